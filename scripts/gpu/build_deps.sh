#!/usr/bin/env bash
# Builds <repo>/.gpu-deps/: every library imgcls needs besides LibTorch, static or header-only,
# in one small relocatable folder, so that a machine that has only LibTorch, CUDA, CMake, ninja
# and a C++ compiler (the lent GPU machine) can build imgcls with scripts/gpu/build.sh.
# Run it HERE, on a Debian 12 machine with network access (apt); not on the GPU machine.
#
#   OpenCV 4.6    core, imgproc, imgcodecs only, static, from Debian's own source package
#                 (apt-get source opencv), JPEG/PNG/WebP through Debian's static libjpeg62-turbo,
#                 libpng16, libwebp and zlib (copied into the prefix; Debian's source package has
#                 no 3rdparty/ folder, so OpenCV's bundled codecs are not available)
#   fmt 9.1, spdlog 1.10   static, from Debian's source packages (spdlog uses the external fmt,
#                 as Debian's). Their headers go to include/spdlog-fmt/, not include/, so that
#                 targets that see LibTorch's bundled fmt never see this one (see src/CMakeLists.txt)
#   yaml-cpp 0.7, GTest/GMock 1.12, zlib   Debian's own static libraries (.a) and headers
#   CLI11 2.1, nlohmann_json 3.11          header-only, Debian's headers and CMake configs
#
# Every package gets a CMake config under lib/cmake or share/cmake; -DIMGCLS_DEPS_PREFIX=<prefix>
# (cmake/ImgclsDepsPrefix.cmake) points find_package at them.
#
#   IMGCLS_GPU_DEPS       the prefix (default <repo>/.gpu-deps)
#   IMGCLS_GPU_DEPS_WORK  sources and build trees (default ~/.cache/imgcls/gpu-deps-work; ~1 GB)
#   IMGCLS_JOBS           parallel compile jobs (default: the cores)
#   IMGCLS_SKIP_APT=1     do not touch apt (packages and the deb-src entry are already there)
#   IMGCLS_GPU_DATA=0     do not copy Debian's Fashion-MNIST (dataset-fashion-mnist, 30 MB) into
#                         <repo>/.gpu-data/fashion-mnist, for real training runs there (scripts/gpu/bench.sh)
#   IMGCLS_GPU_DATA_TRAIN=N  only the first N training images (the whole test split), e.g. 20000
#                         (13 MB), when the 64 MiB the run tool carries gets tight
#
# Idempotent: each finished step leaves a stamp in <prefix>/.stamps and is skipped next time.
# On a shared machine run it as `nice -n 19 scripts/gpu/build_deps.sh`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
prefix="${IMGCLS_GPU_DEPS:-$root/.gpu-deps}"
work="${IMGCLS_GPU_DEPS_WORK:-$HOME/.cache/imgcls/gpu-deps-work}"
jobs="${IMGCLS_JOBS:-$(nproc)}"
arch_lib=/usr/lib/x86_64-linux-gnu
start=$SECONDS

log() { echo "[gpu-deps] $*"; }
die() { echo "[gpu-deps] error: $*" >&2; exit 1; }
[[ "$(uname -m)" == x86_64 ]] || die "x86-64 only (the GPU machine is x86-64)"
[[ -r /etc/debian_version ]] || die "needs Debian 12 (apt-get source, Debian's static libraries)"

mkdir -p "$prefix/.stamps" "$work/src" "$work/build" "$work/logs"
prefix="$(cd "$prefix" && pwd)"
done_step() { [[ -f "$prefix/.stamps/$1" ]]; }
# mark STEP WHAT: the step is finished; WHAT (versions, origin) goes into MANIFEST.txt
mark() { printf '%-14s %s\n' "$1" "$2" >"$prefix/.stamps/$1"; }
# run LOGNAME CMD...: quiet unless it fails
run() {
  local name="$1"; shift
  if ! "$@" >"$work/logs/$name.log" 2>&1; then
    tail -n 40 "$work/logs/$name.log" >&2
    die "$name failed (full log: $work/logs/$name.log)"
  fi
}

# --- 1. Debian packages and the deb-src entry ---------------------------------------------
apt_pkgs=(build-essential cmake ninja-build pkg-config dpkg-dev xz-utils binutils ca-certificates
          zlib1g-dev libjpeg62-turbo-dev libpng-dev libwebp-dev
          libyaml-cpp-dev libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev)
src_list=/etc/apt/sources.list.d/imgcls-deb-src.sources
if [[ "${IMGCLS_SKIP_APT:-0}" != 1 ]]; then
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  need_update=0
  missing=()
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p")
  done
  if ! apt-cache showsrc opencv 2>/dev/null | grep "^Package: opencv" >/dev/null; then
    log "adding a deb-src entry for Debian's mirror ($src_list)"
    $sudo_cmd tee "$src_list" >/dev/null <<'EOF'
# Added by imgcls scripts/gpu/build_deps.sh: Debian source packages, for apt-get source
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    need_update=1
  fi
  if ((need_update || ${#missing[@]})); then
    run apt-update $sudo_cmd apt-get update -qq
  fi
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    run apt-install env DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# --- 2. Debian source packages --------------------------------------------------------------
# fetch SRCPKG DIR: apt-get source (download only), then dpkg-source -x (Debian's patches applied)
fetch() {
  local pkg="$1" dir="$2"
  [[ -d "$work/src/$dir" ]] && return 0
  log "apt-get source $pkg"
  (cd "$work/src" && run "source-$pkg" apt-get source -q --download-only "$pkg")
  local dsc
  dsc="$(ls -t "$work/src/${pkg}"_*.dsc | head -n1)"
  (cd "$work/src" && run "extract-$pkg" dpkg-source -x "$dsc" "$dir")
}
srcver() { sed -n 's/^Version: //p' "$(ls -t "$work/src/$1"_*.dsc | head -n1)"; }
pkgver() { dpkg-query -W -f='${Version}' "$1"; }

cmake_common=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix"
              -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON)

# --- 3. Debian's static codec libraries and zlib (OpenCV links these) ----------------------
if ! done_step codecs; then
  log "copying Debian's static zlib, libjpeg62-turbo, libpng16, libwebp"
  mkdir -p "$prefix/lib" "$prefix/include"
  cp -f "$arch_lib/libz.a" "$arch_lib/libjpeg.a" "$arch_lib/libpng16.a" "$arch_lib/libwebp.a" "$prefix/lib/"
  cp -f /usr/include/zlib.h /usr/include/zconf.h "$prefix/include/"
  mark codecs "zlib1g-dev $(pkgver zlib1g-dev), libjpeg62-turbo-dev $(pkgver libjpeg62-turbo-dev), libpng-dev $(pkgver libpng-dev), libwebp-dev $(pkgver libwebp-dev): Debian's static .a"
fi

# --- 4. fmt and spdlog: static, from Debian's sources ----------------------------------------
fmt_inc=include/spdlog-fmt
if ! done_step fmt; then
  fetch fmtlib fmtlib
  log "building fmt $(srcver fmtlib) (static)"
  run fmt-configure cmake -S "$work/src/fmtlib" -B "$work/build/fmt" "${cmake_common[@]}" \
    -DCMAKE_INSTALL_INCLUDEDIR="$fmt_inc" -DFMT_DOC=OFF -DFMT_TEST=OFF -DFMT_INSTALL=ON
  run fmt-build cmake --build "$work/build/fmt" -j "$jobs"
  run fmt-install cmake --install "$work/build/fmt"
  mark fmt "fmtlib $(srcver fmtlib) (Debian source package), static; headers in $fmt_inc"
fi
if ! done_step spdlog; then
  fetch spdlog spdlog
  log "building spdlog $(srcver spdlog) (static, external fmt)"
  run spdlog-configure cmake -S "$work/src/spdlog" -B "$work/build/spdlog" "${cmake_common[@]}" \
    -DCMAKE_INSTALL_INCLUDEDIR="$fmt_inc" -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_SHARED=OFF \
    -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_EXAMPLE_HO=OFF -DSPDLOG_BUILD_TESTS=OFF \
    -DSPDLOG_BUILD_BENCH=OFF -DSPDLOG_INSTALL=ON -Dfmt_DIR="$prefix/lib/cmake/fmt"
  run spdlog-build cmake --build "$work/build/spdlog" -j "$jobs"
  run spdlog-install cmake --install "$work/build/spdlog"
  mark spdlog "spdlog $(srcver spdlog) (Debian source package), static, external fmt; headers in $fmt_inc"
fi

# --- 5. OpenCV: core, imgproc, imgcodecs, static, from Debian's source package --------------
if ! done_step opencv; then
  fetch opencv opencv
  rm -rf "$work/src/opencv/contrib"   # opencv_contrib (Debian ships it in the same source); not needed
  log "building OpenCV $(srcver opencv): core imgproc imgcodecs, static (the long step: ~15-30 min on 2 cores)"
  off=(BUILD_TESTS BUILD_PERF_TESTS BUILD_EXAMPLES BUILD_DOCS BUILD_JAVA BUILD_opencv_apps
       BUILD_opencv_python2 BUILD_opencv_python3 BUILD_opencv_java_bindings_generator
       BUILD_opencv_python_bindings_generator BUILD_opencv_js_bindings_generator
       BUILD_opencv_objc_bindings_generator BUILD_PACKAGE INSTALL_C_EXAMPLES INSTALL_PYTHON_EXAMPLES
       INSTALL_TESTS OPENCV_GENERATE_PKGCONFIG ENABLE_PRECOMPILED_HEADERS
       BUILD_ZLIB BUILD_JPEG BUILD_PNG BUILD_WEBP BUILD_TIFF BUILD_OPENJPEG BUILD_JASPER BUILD_OPENEXR
       BUILD_PROTOBUF BUILD_ITT BUILD_IPP_IW BUILD_TBB
       WITH_IPP WITH_ITT WITH_OPENCL WITH_OPENCL_SVM WITH_OPENCLAMDFFT WITH_OPENCLAMDBLAS WITH_VA
       WITH_VA_INTEL WITH_CUDA WITH_CUFFT WITH_CUBLAS WITH_CUDNN WITH_NVCUVID WITH_FFMPEG
       WITH_GSTREAMER WITH_V4L WITH_1394 WITH_GPHOTO2 WITH_GTK WITH_GTK_2_X WITH_QT WITH_OPENGL
       WITH_VTK WITH_PROTOBUF WITH_EIGEN WITH_LAPACK WITH_TBB WITH_OPENMP WITH_HPX WITH_TIFF
       WITH_OPENEXR WITH_OPENJPEG WITH_JASPER WITH_GDAL WITH_GDCM WITH_QUIRC WITH_ADE WITH_CAROTENE
       WITH_OPENVX WITH_HALIDE WITH_VULKAN WITH_OPENVINO WITH_ONNX WITH_TENGINE WITH_TIMVX
       WITH_IMGCODEC_HDR WITH_IMGCODEC_SUNRASTER WITH_IMGCODEC_PFM WITH_LIBREALSENSE WITH_OPENNI
       WITH_OPENNI2 WITH_PVAPI WITH_XIMEA WITH_ARAVIS WITH_UEYE WITH_XINE WITH_MFX WITH_CLP)
  args=("${cmake_common[@]}" -DBUILD_LIST=core,imgproc,imgcodecs -DWITH_JPEG=ON -DWITH_PNG=ON
        -DWITH_WEBP=ON -DWITH_IMGCODEC_PXM=ON -DWITH_PTHREADS_PF=ON -DBUILD_INFO_SKIP_TIMESTAMP=ON
        -DOPENCV_DOWNLOAD_TRIES_LIST= -DCV_TRACE=OFF
        -DZLIB_LIBRARY="$prefix/lib/libz.a" -DZLIB_INCLUDE_DIR=/usr/include
        -DJPEG_LIBRARY="$prefix/lib/libjpeg.a" -DJPEG_INCLUDE_DIR=/usr/include
        -DPNG_LIBRARY="$prefix/lib/libpng16.a" -DPNG_PNG_INCLUDE_DIR=/usr/include
        -DWEBP_LIBRARY="$prefix/lib/libwebp.a" -DWEBP_INCLUDE_DIR=/usr/include)
  for o in "${off[@]}"; do args+=("-D$o=OFF"); done
  run opencv-configure cmake -S "$work/src/opencv" -B "$work/build/opencv" "${args[@]}"
  grep -qE "JPEG:.*libjpeg\.a" "$work/logs/opencv-configure.log" &&
    grep -qE "PNG:.*libpng16\.a" "$work/logs/opencv-configure.log" ||
    die "OpenCV did not pick up the static libjpeg/libpng (see $work/logs/opencv-configure.log)"
  run opencv-build cmake --build "$work/build/opencv" -j "$jobs"
  run opencv-install cmake --install "$work/build/opencv"
  # The export files name the codec archives by absolute path: make them relative to the prefix.
  grep -rl --null "$prefix" "$prefix/lib/cmake/opencv4" | while IFS= read -r -d '' f; do
    sed -i "s|$prefix|\${_IMPORT_PREFIX}|g" "$f"
  done
  grep -rq "$prefix" "$prefix/lib/cmake/opencv4" && die "absolute paths left in $prefix/lib/cmake/opencv4"
  mark opencv "opencv $(srcver opencv) (Debian source package): core imgproc imgcodecs, static; JPEG PNG WebP BMP PNM (no TIFF/EXR/JPEG 2000)"
fi

# --- 6. Debian's static yaml-cpp and GTest/GMock, header-only CLI11 and nlohmann_json --------
cfg() { mkdir -p "$(dirname "$1")"; cat >"$1"; }
if ! done_step yaml-cpp; then
  v="$(pkgver libyaml-cpp-dev)"; log "copying Debian's libyaml-cpp.a ($v)"
  cp -f "$arch_lib/libyaml-cpp.a" "$prefix/lib/"
  rm -rf "$prefix/include/yaml-cpp"; cp -r /usr/include/yaml-cpp "$prefix/include/"
  v="${v#*:}"; v="${v%%+*}"
  cfg "$prefix/lib/cmake/yaml-cpp/yaml-cpp-config.cmake" <<'EOF'
# imgcls .gpu-deps: Debian's static libyaml-cpp.a (scripts/gpu/build_deps.sh)
get_filename_component(_yaml_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET yaml-cpp)
  add_library(yaml-cpp STATIC IMPORTED)
  set_target_properties(yaml-cpp PROPERTIES
    IMPORTED_LOCATION "${_yaml_prefix}/lib/libyaml-cpp.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_yaml_prefix}/include")
endif()
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp INTERFACE IMPORTED)
  set_target_properties(yaml-cpp::yaml-cpp PROPERTIES INTERFACE_LINK_LIBRARIES yaml-cpp)
endif()
set(YAML_CPP_INCLUDE_DIR "${_yaml_prefix}/include")
set(YAML_CPP_LIBRARIES yaml-cpp)
unset(_yaml_prefix)
EOF
  cfg "$prefix/lib/cmake/yaml-cpp/yaml-cpp-config-version.cmake" <<EOF
set(PACKAGE_VERSION "$v")
include("\${CMAKE_CURRENT_LIST_DIR}/../imgcls-version-check.cmake")
EOF
  mark yaml-cpp "libyaml-cpp-dev $(pkgver libyaml-cpp-dev): Debian's static libyaml-cpp.a"
fi
if ! done_step gtest; then
  v="$(pkgver libgtest-dev)"; log "copying Debian's static GTest/GMock ($v)"
  cp -f "$arch_lib"/lib{gtest,gtest_main,gmock,gmock_main}.a "$prefix/lib/"
  rm -rf "$prefix/include/gtest" "$prefix/include/gmock"
  cp -r /usr/include/gtest /usr/include/gmock "$prefix/include/"
  v="${v%%-*}"
  cfg "$prefix/lib/cmake/GTest/GTestConfig.cmake" <<'EOF'
# imgcls .gpu-deps: Debian's static libgtest/libgmock (scripts/gpu/build_deps.sh)
include(CMakeFindDependencyMacro)
find_dependency(Threads)
get_filename_component(_gtest_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
foreach(_lib gtest gtest_main gmock gmock_main)
  if(NOT TARGET GTest::${_lib})
    add_library(GTest::${_lib} STATIC IMPORTED)
    set_target_properties(GTest::${_lib} PROPERTIES
      IMPORTED_LOCATION "${_gtest_prefix}/lib/lib${_lib}.a"
      INTERFACE_INCLUDE_DIRECTORIES "${_gtest_prefix}/include"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endforeach()
set_property(TARGET GTest::gtest_main APPEND PROPERTY INTERFACE_LINK_LIBRARIES GTest::gtest)
set_property(TARGET GTest::gmock APPEND PROPERTY INTERFACE_LINK_LIBRARIES GTest::gtest)
set_property(TARGET GTest::gmock_main APPEND PROPERTY INTERFACE_LINK_LIBRARIES GTest::gmock)
unset(_gtest_prefix)
unset(_lib)
EOF
  cfg "$prefix/lib/cmake/GTest/GTestConfigVersion.cmake" <<EOF
set(PACKAGE_VERSION "$v")
include("\${CMAKE_CURRENT_LIST_DIR}/../imgcls-version-check.cmake")
EOF
  mark gtest "libgtest-dev/libgmock-dev $(pkgver libgtest-dev): Debian's static libgtest/libgmock"
fi
# The version check shared by the hand-written configs (same-major-or-newer, as SameMajorVersion)
cfg "$prefix/lib/cmake/imgcls-version-check.cmake" <<'EOF'
if(PACKAGE_FIND_VERSION AND PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
EOF
if ! done_step header-only; then
  log "copying Debian's CLI11 ($(pkgver libcli11-dev)) and nlohmann_json ($(pkgver nlohmann-json3-dev))"
  # Debian's own relocatable configs (share/cmake/<pkg>/, three levels below the prefix)
  for p in libcli11-dev nlohmann-json3-dev; do
    dpkg -L "$p" | while IFS= read -r f; do
      [[ -f "$f" ]] || continue
      case "$f" in
        /usr/include/*|/usr/share/cmake/*) rel="${f#/usr/}"; mkdir -p "$prefix/$(dirname "$rel")"; cp -f "$f" "$prefix/$rel" ;;
      esac
    done
  done
  mark header-only "libcli11-dev $(pkgver libcli11-dev), nlohmann-json3-dev $(pkgver nlohmann-json3-dev): header-only, Debian's CMake configs"
fi

# --- 7. Trim, record, report ---------------------------------------------------------------
log "stripping the static libraries (debug info, local symbols), dropping docs and unused headers"
# OpenCV's CUDA and OpenCL headers: nothing in core/imgproc/imgcodecs's public headers includes them
rm -rf "$prefix/share/doc" "$prefix/share/man" "$prefix/lib/pkgconfig" "$prefix/share/pkgconfig" \
       "$prefix/bin" "$prefix/share/opencv4" \
       "$prefix/include/opencv4/opencv2/core/cuda" "$prefix/include/opencv4/opencv2/core/opencl"
# --strip-unneeded: --strip-debug plus the local symbols no relocation needs (1.5 MB less than
# --strip-debug alone); the global symbols and the archive index stay.
find "$prefix/lib" -name '*.a' -exec strip --strip-unneeded {} +
{
  echo "# imgcls .gpu-deps, made by scripts/gpu/build_deps.sh ($(. /etc/os-release; echo "$PRETTY_NAME"), gcc $(gcc -dumpfullversion))"
  cat "$prefix"/.stamps/{codecs,fmt,spdlog,opencv,yaml-cpp,gtest,header-only}
} >"$prefix/MANIFEST.txt"
log "prefix: $prefix ($(du -sh --apparent-size "$prefix" | cut -f1), $(du -sb --apparent-size "$prefix" | cut -f1) bytes)"
du -sh "$prefix/lib" "$prefix/include" "$prefix"/share 2>/dev/null | sed 's/^/[gpu-deps]   /'
# --- 8. Optional: Fashion-MNIST for real training runs there (its own folder, carried apart) --
fm=/usr/share/datasets/fashion-mnist
if [[ "${IMGCLS_GPU_DATA:-1}" == 1 ]]; then
  if [[ ! -f "$fm/train-images-idx3-ubyte.gz" && "${IMGCLS_SKIP_APT:-0}" != 1 ]]; then
    run apt-fashion env DEBIAN_FRONTEND=noninteractive ${sudo_cmd:-} apt-get install -y -qq dataset-fashion-mnist
  fi
  data="$root/.gpu-data/fashion-mnist"
  n="${IMGCLS_GPU_DATA_TRAIN:-all}"
  if [[ -f "$fm/train-images-idx3-ubyte.gz" && ! -f "$data/.train-$n" ]]; then
    rm -rf "$data"; mkdir -p "$data"
    if [[ "$n" == all ]]; then
      log "copying Fashion-MNIST to $data"
      cp -f "$fm"/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz "$data/"
    else
      log "writing $data: Fashion-MNIST, the first $n training images and the whole test split"
      cp -f "$fm"/t10k-{images-idx3,labels-idx1}-ubyte.gz "$data/"
      # IDX files: big-endian magic, counts, then the items; keep the first n items of train.
      python3 - "$fm" "$data" "$n" <<'PY'
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name, item in (("train-images-idx3-ubyte", 28 * 28), ("train-labels-idx1-ubyte", 1)):
    with gzip.open(f"{src}/{name}.gz", "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = list(struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim]))
    n = min(n, dims[0])
    head = 4 + 4 * ndim
    dims[0] = n
    with gzip.open(f"{dst}/{name}.gz", "wb", compresslevel=9) as f:
        f.write(raw[:4] + struct.pack(f">{ndim}I", *dims) + raw[head:head + n * item])
PY
    fi
    touch "$data/.train-$n"
  fi
  [[ -d "$data" ]] && log "data:   $data ($(du -sh --apparent-size "$data" | cut -f1); optional: carry .gpu-data too)"
fi
log "done in $((SECONDS - start)) s. Carry it to the GPU machine and run scripts/gpu/build.sh there (scripts/gpu/README.md)"
