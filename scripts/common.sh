# shellcheck shell=bash
# Shared by scripts/run_tests.sh and scripts/run_examples.sh (sourced, not run).
# CTGRAD_BUILD_DIR   the tests' build directory (default: <repo>/build)
# CTGRAD_EXAMPLES_BUILD_DIR  the examples' (default: <repo>/build-examples): configured without
#                    the tests and benchmarks, so that it must not share the tests' cache
# CTGRAD_CMAKE_ARGS  extra cmake arguments, word-split (e.g. "-DCTGRAD_WERROR=ON")
# CTGRAD_JOBS        parallel build jobs (default: nproc)
# CXX                compiler to configure with (checked against an existing build directory)

CTGRAD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CTGRAD_BUILD_DIR=${CTGRAD_BUILD_DIR:-$CTGRAD_ROOT/build}
CTGRAD_EXAMPLES_BUILD_DIR=${CTGRAD_EXAMPLES_BUILD_DIR:-$CTGRAD_ROOT/build-examples}

# Debian packages needed to build and test ctgrad.
CTGRAD_PACKAGES=(g++ cmake ninja-build ccache python3 libboost1.81-dev libxsimd-dev xtl-dev catch2 nlohmann-json3-dev zlib1g-dev
                 pkg-config   # pkg-config: the test consumer.pkg_config
                 libopenmpi-dev openmpi-bin)  # MPI: examples/mpi and its test (mpirun -np 2); built only when found
# (OpenMP, for ctgrad/parallel/openmp.hpp and its tests, is g++'s own libgomp: no package.)
# The benchmarks' (built when found; their smoke test is part of the suite): Google Benchmark,
# and the peers Eigen and libtorch (with OpenBLAS: without it libtorch's BLAS is the reference one).
CTGRAD_BENCHMARK_PACKAGES=(libbenchmark-dev libeigen3-dev libtorch-dev libopenblas0-openmp)
if [[ "${CXX:-}" == *clang* ]]; then
  CTGRAD_PACKAGES+=(clang)
fi

# ensure_packages pkg...: install the missing ones (as root) or say what to install.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    printf 'ctgrad needs these Debian packages; run as root:\n  apt-get install -y %s\n' "${missing[*]}" >&2
    exit 1
  fi
}

# configure BUILD_DIR [extra cmake args...]
configure() {
  local build_dir=$1
  shift
  local args=(-S "$CTGRAD_ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release)
  if [[ -n "${CXX:-}" ]]; then
    local cxx
    cxx=$(command -v "$CXX") || { echo "CXX=$CXX: not found" >&2; exit 1; }
    args+=(-DCMAKE_CXX_COMPILER="$cxx")
  fi
  cmake "${args[@]}" "$@"
}

# build BUILD_DIR [cmake --build args, e.g. --target a b]
build() {
  local build_dir=$1
  shift
  cmake --build "$build_dir" -j "${CTGRAD_JOBS:-$(nproc)}" "$@"
}

# configure_and_build BUILD_DIR [extra cmake args...]: configure, then build everything.
configure_and_build() {
  configure "$@"
  build "$1"
}
