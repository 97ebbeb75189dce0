# Use ccache when it is installed. PCH builds need ccache's pch sloppiness to hit the cache.
find_program(IMGCLS_CCACHE ccache)
if(IMGCLS_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${IMGCLS_CCACHE})
  message(STATUS "imgcls: compiling through ccache (${IMGCLS_CCACHE})")
endif()
