# SPDX-License-Identifier: MIT
# What `cmake --install` puts beside the libraries and headers (src/) and
# vasctl (tools/vasctl): the CMake package, the pkg-config files, the man
# pages (cmake/man.cmake) and the documentation.
#
#   LIBDIR/cmake/vas/       vasConfig.cmake, vasConfigVersion.cmake,
#                           vasTargets*.cmake: find_package(vas) gives
#                           vas::vas, vas::vas_static, vas::vas_debug
#   LIBDIR/pkgconfig/       vas.pc, vas-debug.pc
#   DOCDIR/                 README.md, LICENSE, BENCHMARKS.md, docs/,
#                           examples/ (sources), scripts/ (.vas scripts)
include(CMakePackageConfigHelpers)

# ---- CMake package -----------------------------------------------------------
set(VAS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vas)
install(EXPORT vasTargets NAMESPACE vas:: DESTINATION ${VAS_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/vasConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/vasConfig.cmake
  INSTALL_DESTINATION ${VAS_CMAKE_DIR} NO_SET_AND_CHECK_MACRO)
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/vasConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/vasConfig.cmake
              ${PROJECT_BINARY_DIR}/package/vasConfigVersion.cmake
        DESTINATION ${VAS_CMAKE_DIR})

# ---- pkg-config ------------------------------------------------------------
# Written at install time (cmake/install-pc.cmake), for the prefix the
# install goes to (`cmake --install --prefix P` included), with absolute
# paths as distributions ship them; DESTDIR only stages.
set(vas_pc_names vas)
if(TARGET vas_debug)
  list(APPEND vas_pc_names vas-debug)
endif()
install(CODE "
  set(VAS_PC_TEMPLATE \"${PROJECT_SOURCE_DIR}/cmake/vas.pc.in\")
  set(VAS_PC_BUILD_DIR \"${PROJECT_BINARY_DIR}/package\")
  set(VAS_PC_NAMES \"${vas_pc_names}\")
  set(VAS_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(VAS_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(VAS_PC_VERSION \"${PROJECT_VERSION}\")
  set(VAS_PC_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/install-pc.cmake\")
")

# ---- documentation -----------------------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
              ${PROJECT_SOURCE_DIR}/BENCHMARKS.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")
# The examples as sources to read (their CMakeLists.txt build them inside
# the vas tree only), and the conformance scripts as examples of the script
# language for vasctl.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples DESTINATION ${CMAKE_INSTALL_DOCDIR}
        PATTERN CMakeLists.txt EXCLUDE)
file(GLOB vas_scripts ${PROJECT_SOURCE_DIR}/tests/conformance/*.vas)
install(FILES ${vas_scripts} DESTINATION ${CMAKE_INSTALL_DOCDIR}/scripts)
