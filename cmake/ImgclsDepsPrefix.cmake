# -DIMGCLS_DEPS_PREFIX=<dir>: take every library except LibTorch from <dir>, the folder of
# static and header-only libraries that scripts/gpu/build_deps.sh makes (default <repo>/.gpu-deps),
# and none from the system. For machines that have LibTorch and a compiler but none of imgcls's
# other libraries (the lent GPU machine: scripts/gpu/build.sh). Unset (the default): nothing here
# runs and find_package works as before. Use a fresh build folder when switching it on or off.
set(IMGCLS_DEPS_PREFIX "" CACHE PATH "Prefix made by scripts/gpu/build_deps.sh (static OpenCV, yaml-cpp, spdlog, fmt, GTest, zlib; header-only CLI11, nlohmann_json)")

if(IMGCLS_DEPS_PREFIX)
  get_filename_component(_deps "${IMGCLS_DEPS_PREFIX}" ABSOLUTE)
  if(NOT EXISTS "${_deps}/lib/cmake/opencv4/OpenCVConfig.cmake")
    message(FATAL_ERROR "imgcls: IMGCLS_DEPS_PREFIX=${_deps} is not a finished scripts/gpu/build_deps.sh prefix "
                        "(no lib/cmake/opencv4/OpenCVConfig.cmake). Run scripts/gpu/build_deps.sh on a Debian 12 machine.")
  endif()
  # Each package's config folder, given directly (FORCE: this prefix wins over an earlier find).
  foreach(_pkg_dir
      "OpenCV=lib/cmake/opencv4" "yaml-cpp=lib/cmake/yaml-cpp" "spdlog=lib/cmake/spdlog" "fmt=lib/cmake/fmt"
      "GTest=lib/cmake/GTest" "nlohmann_json=share/cmake/nlohmann_json" "CLI11=share/cmake/CLI11")
    string(REPLACE "=" ";" _pair "${_pkg_dir}")
    list(GET _pair 0 _pkg)
    list(GET _pair 1 _dir)
    set(${_pkg}_DIR "${_deps}/${_dir}" CACHE PATH "imgcls: from IMGCLS_DEPS_PREFIX" FORCE)
  endforeach()
  set(GTEST_ROOT "${_deps}")  # CMake < 3.20's FindGTest does not look for the config first
  set(ZLIB_INCLUDE_DIR "${_deps}/include" CACHE PATH "imgcls: from IMGCLS_DEPS_PREFIX" FORCE)
  set(ZLIB_LIBRARY "${_deps}/lib/libz.a" CACHE FILEPATH "imgcls: from IMGCLS_DEPS_PREFIX" FORCE)
  set(ZLIB_LIBRARY_RELEASE "${_deps}/lib/libz.a" CACHE FILEPATH "imgcls: from IMGCLS_DEPS_PREFIX" FORCE)
  # Anything else searched with find_package/find_library/find_path looks in the prefix first.
  list(PREPEND CMAKE_PREFIX_PATH "${_deps}")
  message(STATUS "imgcls: libraries other than LibTorch from IMGCLS_DEPS_PREFIX=${_deps}")
  set(IMGCLS_DEPS_PREFIX_ABS "${_deps}")
  unset(_deps)
  unset(_pair)
  unset(_pkg)
  unset(_dir)
  unset(_pkg_dir)
endif()

# Called after the find_package calls: stop if any of them resolved outside the prefix.
function(imgcls_check_deps_prefix)
  if(NOT IMGCLS_DEPS_PREFIX)
    return()
  endif()
  set(_outside "")
  foreach(_pkg OpenCV yaml-cpp spdlog fmt nlohmann_json CLI11)
    get_filename_component(_real "${${_pkg}_DIR}" REALPATH)
    string(FIND "${_real}/" "${IMGCLS_DEPS_PREFIX_ABS}/" _at)
    if(NOT _at EQUAL 0)
      list(APPEND _outside "${_pkg} (${${_pkg}_DIR})")
    endif()
  endforeach()
  foreach(_lib ${ZLIB_LIBRARIES})
    string(FIND "${_lib}" "${IMGCLS_DEPS_PREFIX_ABS}/" _at)
    if(NOT _at EQUAL 0)
      list(APPEND _outside "ZLIB (${_lib})")
    endif()
  endforeach()
  if(_outside)
    message(FATAL_ERROR "imgcls: IMGCLS_DEPS_PREFIX is set, but these were found elsewhere: ${_outside}")
  endif()
endfunction()
