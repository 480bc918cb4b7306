# SPDX-License-Identifier: MIT
# install-pc.cmake - runs inside `cmake --install` (cmake/install.cmake sets
# the VAS_PC_* variables): writes NAME.pc for each of VAS_PC_NAMES from
# VAS_PC_TEMPLATE for the prefix of this install, and installs it into
# LIBDIR/pkgconfig. LIBDIR and INCLUDEDIR may be relative to the prefix
# (lib, lib/x86_64-linux-gnu) or absolute.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${VAS_PC_LIBDIR}")
  set(libdir "${VAS_PC_LIBDIR}")
  set(pcdir "${VAS_PC_LIBDIR}/pkgconfig")
else()
  set(libdir "\${prefix}/${VAS_PC_LIBDIR}")
  set(pcdir "${CMAKE_INSTALL_PREFIX}/${VAS_PC_LIBDIR}/pkgconfig")
endif()
if(IS_ABSOLUTE "${VAS_PC_INCLUDEDIR}")
  set(includedir "${VAS_PC_INCLUDEDIR}")
else()
  set(includedir "\${prefix}/${VAS_PC_INCLUDEDIR}")
endif()
set(version "${VAS_PC_VERSION}")
# One directory per destination, so that two installs at once do not share
# a file.
string(MD5 dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(pc_build_dir "${VAS_PC_BUILD_DIR}/pc-${dest}")
foreach(name IN LISTS VAS_PC_NAMES)
  set(lib "${name}")
  if(name STREQUAL "vas")
    set(description "${VAS_PC_DESCRIPTION}")
  else()
    set(description "${VAS_PC_DESCRIPTION} (debug build: assertions, lock checks, validators)")
  endif()
  configure_file("${VAS_PC_TEMPLATE}" "${pc_build_dir}/${name}.pc" @ONLY)
  file(INSTALL "${pc_build_dir}/${name}.pc" DESTINATION "${pcdir}")
endforeach()
