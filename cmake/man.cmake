# SPDX-License-Identifier: MIT
# Section 3 man pages generated at build time from the kernel-doc comments of
# include/vas/*.h (cmake/kdoc2man.sh, cmake/kdoc2man.awk: sh and a POSIX
# awk, nothing else), into BUILD/man/man3 and BUILD/man/man3type, installed
# into MANDIR. tests/man checks them.
if(NOT VAS_BUILD_MAN)
  return()
endif()
find_program(VAS_AWK NAMES awk mawk gawk REQUIRED)
set(VAS_MAN_DIR ${PROJECT_BINARY_DIR}/man)
file(GLOB vas_public_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/vas/*.h)
# The pages' date: SOURCE_DATE_EPOCH if set (reproducible builds), else today.
string(TIMESTAMP vas_man_date "%Y-%m-%d" UTC)
add_custom_command(OUTPUT ${VAS_MAN_DIR}/stamp
  COMMAND ${CMAKE_COMMAND} -E env AWK=${VAS_AWK}
          sh ${PROJECT_SOURCE_DIR}/cmake/kdoc2man.sh ${VAS_MAN_DIR}
          ${PROJECT_VERSION} ${vas_man_date} "${PROJECT_DESCRIPTION}"
          ${vas_public_headers}
  DEPENDS ${vas_public_headers} ${PROJECT_SOURCE_DIR}/cmake/kdoc2man.sh
          ${PROJECT_SOURCE_DIR}/cmake/kdoc2man.awk
  COMMENT "Generating man pages from include/vas/*.h"
  VERBATIM)
add_custom_target(vas_man ALL DEPENDS ${VAS_MAN_DIR}/stamp)
install(DIRECTORY ${VAS_MAN_DIR}/man3 ${VAS_MAN_DIR}/man3type
        DESTINATION ${CMAKE_INSTALL_MANDIR})
