# SPDX-License-Identifier: MIT
# Settings for building vasctl (or its tests) on its own, outside the vas
# tree: the same language level, warnings and sanitizer switch as vas.
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_EXTENSIONS ON)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
include(GNUInstallDirs)
set(VAS_SANITIZE "" CACHE STRING "sanitizers: '', 'address,undefined' or 'thread'")
option(VAS_WERROR "treat warnings as errors" OFF)
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                    -Wformat=2 -Wundef -Wvla -Wnull-dereference)
if(VAS_WERROR)
  add_compile_options(-Werror)
endif()
if(VAS_SANITIZE)
  add_compile_options(-fsanitize=${VAS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${VAS_SANITIZE})
endif()
# vasctl --version: the version of vas, read from its top CMakeLists.txt.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../../CMakeLists.txt vas_project
     REGEX "^project\\(vas VERSION [0-9.]+")
string(REGEX REPLACE "^project\\(vas VERSION ([0-9.]+).*" "\\1" vas_VERSION
       "${vas_project}")
