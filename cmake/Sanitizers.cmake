# -DIMGCLS_SANITIZE=address,undefined builds everything with those sanitizers.
set(IMGCLS_SANITIZE "" CACHE STRING "Comma-separated sanitizers (address, undefined, thread)")
if(IMGCLS_SANITIZE)
  add_compile_options(-fsanitize=${IMGCLS_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${IMGCLS_SANITIZE})
endif()
