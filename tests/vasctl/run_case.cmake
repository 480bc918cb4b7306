# SPDX-License-Identifier: MIT
# Runs one vasctl case and compares its exit status, stdout and stderr.
#   -DVASCTL=path -DARGS="kernel;file" [-DINPUT=file] [-DWORKDIR=dir]
#   -DRC=expected status [-DSTDOUT=file] [-DSTDERR=file] [-DSTDERR_HAS=text]
# A missing STDOUT means stdout must be empty; a missing STDERR and
# STDERR_HAS mean stderr must be empty.
if(NOT WORKDIR)
  set(WORKDIR .)
endif()
if(INPUT)
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
