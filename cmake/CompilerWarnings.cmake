# imgcls_warnings: an interface target carrying the project's warning flags. Link it
# PRIVATE so the flags apply to our code only, never to consumers or third-party headers.
add_library(imgcls_warnings INTERFACE)
add_library(imgcls::warnings ALIAS imgcls_warnings)
option(IMGCLS_WARNINGS_AS_ERRORS "Treat warnings as errors" OFF)
target_compile_options(imgcls_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wpedantic
  $<$<BOOL:${IMGCLS_WARNINGS_AS_ERRORS}>:-Werror>)
