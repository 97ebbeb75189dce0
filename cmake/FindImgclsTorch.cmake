# Finds LibTorch.
#  1. A LibTorch the user points at (Torch_DIR or CMAKE_PREFIX_PATH): used as it is.
#  2. Otherwise the libtorch inside the torch wheel that scripts/setup.sh installs into
#     IMGCLS_VENV (default ~/.cache/imgcls/venv-torch<version>; the version is pinned in
#     scripts/versions.env, the one place it is written).
file(STRINGS "${CMAKE_CURRENT_SOURCE_DIR}/scripts/versions.env" _imgcls_versions REGEX "^IMGCLS_TORCH_VERSION=")
string(REGEX REPLACE "^IMGCLS_TORCH_VERSION=" "" IMGCLS_TORCH_VERSION "${_imgcls_versions}")

find_package(Torch QUIET)
if(NOT Torch_FOUND)
  if(DEFINED ENV{IMGCLS_VENV})
    set(_venv "$ENV{IMGCLS_VENV}")
  else()
    set(_venv "$ENV{HOME}/.cache/imgcls/venv-torch${IMGCLS_TORCH_VERSION}")
  endif()
  set(IMGCLS_VENV "${_venv}" CACHE PATH "Python environment holding the torch wheel")
  file(GLOB _torch_cmake "${IMGCLS_VENV}/lib/python3*/site-packages/torch/share/cmake/Torch")
  if(NOT _torch_cmake)
    message(FATAL_ERROR
      "imgcls: LibTorch not found. Run ./scripts/setup.sh (installs torch==${IMGCLS_TORCH_VERSION} into "
      "${IMGCLS_VENV}), or point CMake at your own LibTorch with -DTorch_DIR=<libtorch>/share/cmake/Torch.")
  endif()
  list(GET _torch_cmake 0 Torch_DIR)
  # The CUDA build of the wheel wants nvcc and the toolkit; use /usr/local/cuda when it is there.
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(Torch REQUIRED)
endif()
message(STATUS "imgcls: LibTorch ${Torch_VERSION} from ${Torch_DIR}")

# The torch wheel's libtorch.so exports its own (static) copy of std::filesystem, and some of
# those functions crash (std::filesystem::remove_all jumps to address 0). Shared-library
# symbol lookup goes in NEEDED order, so make libstdc++ the first NEEDED entry of everything
# that links LibTorch: its std::filesystem then wins.
add_library(imgcls_torch INTERFACE)
target_link_libraries(imgcls_torch INTERFACE ${TORCH_LIBRARIES})
target_link_options(imgcls_torch INTERFACE "LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
