#!/usr/bin/env bash
# Run ON the lent GPU machine, from the repository root: builds imgcls into build-gpu/ against
# the LibTorch inside /opt/torch/.venv's torch package (CUDA from nvcc) and the static/header-only
# libraries carried in .gpu-deps/ (made on the dev machine by scripts/gpu/build_deps.sh), then
# checks it on the GPU. One command; see scripts/gpu/README.md for the `run` call.
#
#   IMGCLS_GPU_VENV      the Python environment with torch (default /opt/torch/.venv)
#   IMGCLS_DEPS_PREFIX   the carried prefix (default <repo>/.gpu-deps)
#   IMGCLS_BUILD_DIR     build folder (default <repo>/build-gpu)
#   IMGCLS_TESTS         ON (default) | OFF: build the GoogleTest suite
#   IMGCLS_GPU_CHECK     what to run after the build:
#                          smoke (default)  --version, `bench step` on cuda, the ImageFolder tests,
#                                           and a 1-epoch Fashion-MNIST run if .gpu-data/fashion-mnist
#                                           was carried
#                          test             smoke, then the whole ctest suite
#                          none             build only
#   IMGCLS_JOBS          parallel jobs (default: all cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
deps="${IMGCLS_DEPS_PREFIX:-$root/.gpu-deps}"
build="${IMGCLS_BUILD_DIR:-$root/build-gpu}"
venv="${IMGCLS_GPU_VENV:-/opt/torch/.venv}"
check="${IMGCLS_GPU_CHECK:-smoke}"
jobs="${IMGCLS_JOBS:-$(nproc)}"
start=$SECONDS
log() { echo "[gpu-build] $*"; }
die() { echo "[gpu-build] error: $*" >&2; exit 1; }
step() { echo; echo "[gpu-build] === $* ($((SECONDS - start)) s)"; }

if [[ ! -f "$deps/lib/cmake/opencv4/OpenCVConfig.cmake" ]]; then
  die "no libraries at $deps. This machine has none of imgcls's libraries besides LibTorch:
  run scripts/gpu/build_deps.sh on the dev machine (Debian 12) and carry .gpu-deps
  (run tool: carry [\".gpu-deps\"]; see scripts/gpu/README.md)."
fi
deps="$(cd "$deps" && pwd)"
[[ -f "$deps/MANIFEST.txt" ]] && sed 's/^/[gpu-build]   /' "$deps/MANIFEST.txt"

# LibTorch: the torch package of the venv (its share/cmake/Torch), found by asking its Python.
py="$venv/bin/python"
[[ -x "$py" ]] || die "no Python at $py (set IMGCLS_GPU_VENV to the environment that has torch)"
torch_pkg="$("$py" -c 'import torch,os;print(os.path.dirname(torch.__file__))')" ||
  die "$py cannot import torch"
torch_dir="$torch_pkg/share/cmake/Torch"
[[ -f "$torch_dir/TorchConfig.cmake" ]] || die "no $torch_dir/TorchConfig.cmake in the torch package"
log "torch $("$py" -c 'import torch;print(torch.__version__, "CUDA", torch.version.cuda)') at $torch_pkg"

# CUDA: the toolkit of the nvcc on PATH, else /usr/local/cuda.
nvcc="$(command -v nvcc || true)"
[[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
[[ -n "$nvcc" ]] || die "no nvcc on PATH or in /usr/local/cuda/bin (the CUDA build of LibTorch needs the toolkit)"
# The toolkit root: nvcc's ../ (keeps a /usr/local/cuda symlink as it is), else that of the file
# a symlinked nvcc (/usr/bin/nvcc) points to.
cuda_root="$(dirname "$(dirname "$nvcc")")"
if [[ ! -f "$cuda_root/include/cuda_runtime.h" ]]; then
  nvcc="$(readlink -f "$nvcc")"
  cuda_root="$(dirname "$(dirname "$nvcc")")"
fi
log "nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') at $nvcc"
for t in cmake ninja; do command -v "$t" >/dev/null || die "$t not found"; done
log "$(cmake --version | head -n1), ninja $(ninja --version), $(${CXX:-c++} --version 2>/dev/null | head -n1 || echo "c++ not on PATH: CMake picks the compiler")"

args=(-S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
      -DTorch_DIR="$torch_dir" -DIMGCLS_DEPS_PREFIX="$deps"
      -DCMAKE_CUDA_COMPILER="$nvcc" -DCUDAToolkit_ROOT="$cuda_root"
      -DIMGCLS_BUILD_TESTS="${IMGCLS_TESTS:-ON}")
# The tests that check files with Python (state_dict, ONNX, TensorBoard) use this venv when it
# has what they import; otherwise they skip.
if "$py" -c 'import torch, tensorboard, onnx' 2>/dev/null; then
  args+=(-DIMGCLS_PYTHON="$py")
fi
step "configure $build"
mkdir -p "$build"
configure() {
  if ! cmake "${args[@]}" >>"$build/configure.log" 2>&1; then
    tail -n 60 "$build/configure.log" >&2
    die "configure failed (full log: $build/configure.log)"
  fi
}
: >"$build/configure.log"
configure
# When an existing build folder had another CUDA compiler, CMake deletes its cache and configures
# again without the -D options given: configure once more, then insist on the prefix.
if ! grep -qx "IMGCLS_DEPS_PREFIX:PATH=$deps" "$build/CMakeCache.txt"; then
  log "the build folder's cache was reset; configuring again"
  configure
  grep -qx "IMGCLS_DEPS_PREFIX:PATH=$deps" "$build/CMakeCache.txt" ||
    die "$build is not configured with IMGCLS_DEPS_PREFIX=$deps; remove $build and run again"
fi
grep -E "imgcls:|Found CUDA|CUDA compiler|OpenCV" "$build/configure.log" | sed 's/^/[gpu-build]   /' || true

step "build ($jobs jobs)"
cmake --build "$build" -j "$jobs"
bin="$build/imgcls"
log "built $bin ($(du -h "$bin" | cut -f1))"
if command -v ldd >/dev/null; then
  other="$(ldd "$bin" | grep -Ei 'opencv|yaml|spdlog|libfmt|jpeg|png|webp|gtest' || true)"
  [[ -z "$other" ]] || die "imgcls links shared libraries it should have statically: $other"
fi

[[ "$check" == none ]] && { log "done in $((SECONDS - start)) s"; exit 0; }

step "imgcls --version"
"$bin" --version | tee "$build/version.txt"
grep -q "CUDA: not available" "$build/version.txt" && log "warning: LibTorch sees no GPU on this machine"

step "imgcls bench step on cuda (synthetic input; BasicCNN and the residual CNN)"
cfg="$root/configs/fashion_mnist.yaml"
"$bin" bench step "$cfg" device=cuda --batches 200
"$bin" bench step "$cfg" device=cuda model.name=residual_cnn data.batch_size=256 --batches 50

if [[ "${IMGCLS_TESTS:-ON}" == ON ]]; then
  step "ctest -R 'ImageFolder|cli\\.' (PNG/JPEG decode through the static OpenCV)"
  (cd "$build" && ctest -R 'ImageFolder|cli\.' --output-on-failure -j "$jobs")
fi

data="$root/.gpu-data/fashion-mnist"
if [[ -f "$data/train-images-idx3-ubyte.gz" ]]; then
  step "imgcls train: 1 epoch of Fashion-MNIST on cuda"
  out="$build/smoke-run"; rm -rf "$out"
  "$bin" train "$cfg" device=cuda data.root="$data" train.epochs=1 --out "$out"
else
  log "no .gpu-data/fashion-mnist carried: skipping the training run (scripts/gpu/README.md)"
fi

if [[ "$check" == test ]]; then
  step "the whole ctest suite"
  (cd "$build" && ctest --output-on-failure -j "$(( jobs > 4 ? jobs / 4 : 1 ))")
fi
log "done in $((SECONDS - start)) s"
