#!/usr/bin/env bash
# Installs what imgcls needs on a Debian 12 machine, only what is missing.
# Idempotent: a second run only checks.
#
#   IMGCLS_VENV   where the Python env with torch lives (default ~/.cache/imgcls/venv-torch<ver>)
#   Torch_DIR     set it to use your own LibTorch; then no torch wheel is installed
#   IMGCLS_SKIP_APT=1  do not touch apt (you installed the packages yourself)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

apt_pkgs=(build-essential cmake ninja-build pkg-config ccache
          libopencv-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev
          libspdlog-dev libfmt-dev libgtest-dev zlib1g-dev dataset-fashion-mnist
          clang-14 libfuzzer-14-dev  # scripts/fuzz.sh (libFuzzer), which CI runs briefly
          libgloo-dev)  # Gloo's headers, for c10d's ProcessGroupGloo (the library itself is in the wheel)

log() { echo "[setup] $*"; }

if [[ "${IMGCLS_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    apt_log="$(mktemp -t imgcls-apt.XXXXXX)"
    if ! { $sudo_cmd apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
         >"$apt_log" 2>&1; then
      tail -n 30 "$apt_log" >&2
      echo "[setup] error: apt-get failed (full log: $apt_log)" >&2
      exit 1
    fi
    rm -f "$apt_log"
  fi
fi

if [[ -n "${Torch_DIR:-}" ]]; then
  log "using your LibTorch at Torch_DIR=$Torch_DIR (no torch wheel installed)"
  exit 0
fi

venv="${IMGCLS_VENV:-$HOME/.cache/imgcls/venv-torch$IMGCLS_TORCH_VERSION}"
py="$venv/bin/python"
if [[ ! -x "$py" ]]; then
  log "creating Python environment $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$py" -m pip install -q --upgrade pip
fi
have() { "$py" -c "import $1, sys; sys.exit(0 if $1.__version__.split('+')[0] == '$2' else 1)" 2>/dev/null; }
if ! have torch "$IMGCLS_TORCH_VERSION" || ! have torchvision "$IMGCLS_TORCHVISION_VERSION"; then
  log "installing torch==$IMGCLS_TORCH_VERSION torchvision==$IMGCLS_TORCHVISION_VERSION into $venv (several GB, once)"
  "$py" -m pip install -q --no-cache-dir "torch==$IMGCLS_TORCH_VERSION" "torchvision==$IMGCLS_TORCHVISION_VERSION"
fi
if ! have tensorboard "$IMGCLS_TENSORBOARD_VERSION" || ! have onnx "$IMGCLS_ONNX_VERSION"; then
  log "installing tensorboard==$IMGCLS_TENSORBOARD_VERSION onnx==$IMGCLS_ONNX_VERSION into $venv (tests, to_onnx.py)"
  "$py" -m pip install -q --no-cache-dir "tensorboard==$IMGCLS_TENSORBOARD_VERSION" "onnx==$IMGCLS_ONNX_VERSION"
fi
log "torch $("$py" -c 'import torch; print(torch.__version__)') in $venv"
