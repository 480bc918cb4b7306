# SPDX-License-Identifier: MIT
# Runs one vasctl case and compares its exit status, stdout and stderr.
#   -DVASCTL=path -DARGS="kernel;file" [-DINPUT=file] [-DWORKDIR=dir]
#   [-DOUT_FILE=file] (stdout goes there, not compared; /dev/full fails it)
#   -DRC=expected status [-DSTDOUT=file] [-DSTDERR=file] [-DSTDERR_HAS=text]
# A missing STDOUT means stdout must be empty; a missing STDERR and
# STDERR_HAS mean stderr must be empty.
#   [-DHOST_CHECK=ON [-DHOST_CHECK_OPTS="--zero-page=off"]]: the case
# compares the host kernel with a recording. `vasctl host --check` runs
# first on the script (INPUT, or the last of ARGS); if the host differs
# from the reference configuration in a fact the script's output depends
# on, the case prints "SKIPPED: the host is not the reference
# configuration" and the facts, runs nothing, and ctest reports it skipped
# (SKIP_REGULAR_EXPRESSION).
if(NOT WORKDIR)
  set(WORKDIR .)
endif()
if(HOST_CHECK)
  if(INPUT)
    execute_process(COMMAND ${VASCTL} host --check ${HOST_CHECK_OPTS} -
      INPUT_FILE ${INPUT} WORKING_DIRECTORY ${WORKDIR}
      RESULT_VARIABLE hrc OUTPUT_VARIABLE hout ERROR_VARIABLE herr)
  else()
    list(GET ARGS -1 script)
    execute_process(COMMAND ${VASCTL} host --check ${HOST_CHECK_OPTS} ${script}
      WORKING_DIRECTORY ${WORKDIR}
      RESULT_VARIABLE hrc OUTPUT_VARIABLE hout ERROR_VARIABLE herr)
  endif()
  if(hrc EQUAL 3)
    message("SKIPPED: the host is not the reference configuration "
            "(tests/conformance/README.md):\n${hout}")
    return()
  elseif(NOT hrc EQUAL 0 AND NOT hrc EQUAL 2)
    message(FATAL_ERROR "${VASCTL} host --check failed (${hrc}):\n${hout}${herr}")
  endif()
endif()
if(OUT_FILE)
  # stdout goes to OUT_FILE (/dev/full: writing it fails); none to compare
  execute_process(COMMAND ${VASCTL} ${ARGS} OUTPUT_FILE ${OUT_FILE}
    WORKING_DIRECTORY ${WORKDIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
  set(out "")
elseif(INPUT)
  execute_process(COMMAND ${VASCTL} ${ARGS} INPUT_FILE ${INPUT}
    WORKING_DIRECTORY ${WORKDIR}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
else()
  execute_process(COMMAND ${VASCTL} ${ARGS} WORKING_DIRECTORY ${WORKDIR}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endif()
set(fail "")
if(NOT rc STREQUAL RC)
  string(APPEND fail "exit status ${rc}, expected ${RC}\n")
endif()
set(want_out "")
if(STDOUT)
  file(READ ${STDOUT} want_out)
endif()
if(NOT out STREQUAL want_out)
  string(APPEND fail "stdout differs:\n--- got\n${out}--- expected\n${want_out}---\n")
endif()
if(STDERR)
  file(READ ${STDERR} want_err)
  if(NOT err STREQUAL want_err)
    string(APPEND fail "stderr differs:\n--- got\n${err}--- expected\n${want_err}---\n")
  endif()
elseif(STDERR_HAS)
  string(FIND "${err}" "${STDERR_HAS}" pos)
  if(pos EQUAL -1)
    string(APPEND fail "stderr lacks '${STDERR_HAS}':\n${err}\n")
  endif()
elseif(NOT err STREQUAL "")
  string(APPEND fail "unexpected stderr:\n${err}\n")
endif()
if(fail)
  message(FATAL_ERROR "${VASCTL} ${ARGS}\n${fail}")
endif()
