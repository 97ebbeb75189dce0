# -DIMGCLS_SANITIZE=address,undefined builds everything with those sanitizers
# (scripts/sanitize.sh: ASan + UBSan, LeakSanitizer with ASan, in build-sanitize/).
# A UBSan finding stops the program (-fno-sanitize-recover), so a test run that passes is clean.
set(IMGCLS_SANITIZE "" CACHE STRING "Comma-separated sanitizers (address, undefined, thread)")
if(IMGCLS_SANITIZE)
  add_compile_options(-fsanitize=${IMGCLS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${IMGCLS_SANITIZE})
endif()

# -DIMGCLS_FUZZ=ON (clang): every source gets libFuzzer's coverage instrumentation with ASan
# and UBSan; the targets are in tests/fuzz (scripts/fuzz.sh builds and runs them).
option(IMGCLS_FUZZ "Build the libFuzzer targets of tests/fuzz (clang)" OFF)
if(IMGCLS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "IMGCLS_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
