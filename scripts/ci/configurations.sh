#!/usr/bin/env bash
# The test suite under more configurations than the README's command: a second compiler and
# instruction set, sanitizers, the scalar fallback, and the fuzzer (the benchmarks' smoke test
# runs in the README's command, for both of their instruction sets). Used by .ci/run; each
# job can be run alone: scripts/ci/configurations.sh clang-avx2 | asan-native | tsan | scalar | fuzz
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
cd "$CTGRAD_ROOT"

sanitize=(-fno-omit-frame-pointer -g1)  # line tables: enough for the reports' stack traces, and cheap
# pytorch_parity's layer and elementwise programs are the library ctgrad_parity_programs, which
# ctgrad_tests links and runs; its other parts compile the programs of unit tests of their kinds
# (perceptron, forward, regularized, optimizer, training cases): these configurations test them
# there, once.
skip_parity_tool=-DCTGRAD_SKIP_EXAMPLES=pytorch_parity

job() {
  local name=$1
  echo
  echo "=== configuration: $name"
  case "$name" in
    clang-avx2)  # second compiler, AVX2+FMA (no AVX-512), warnings are errors
      CXX=clang++ configure_and_build build-ci/clang-avx2 -DCTGRAD_WERROR=ON "-DCTGRAD_ARCH_FLAGS=-mavx2;-mfma" \
        -DCTGRAD_BUILD_BENCHMARKS=OFF "$skip_parity_tool"
      ctest --test-dir build-ci/clang-avx2 --output-on-failure -j2 ;;
    asan-native)  # AddressSanitizer + UndefinedBehaviorSanitizer, the best ISA, g++ -Werror, at -O1
                  # (ASan's documented level: its checks see every access at any level, and -O2
                  # took 36 % more compile time, the largest part of CI)
      configure_and_build build-ci/asan-native -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCTGRAD_WERROR=ON -DCTGRAD_ARCH_FLAGS=-march=native \
        -DCTGRAD_BUILD_BENCHMARKS=OFF "$skip_parity_tool" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
        "-DCMAKE_CXX_FLAGS=${sanitize[*]} -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
        "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
      # alloc_dealloc_mismatch=0: test_no_allocation replaces operator new/delete with malloc/free.
      ASAN_OPTIONS=detect_leaks=1:alloc_dealloc_mismatch=0 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir build-ci/asan-native --output-on-failure -j2 ;;
    tsan)  # ThreadSanitizer on the re-entrancy test and the shards' determinism test, each one
           # file compiled directly (Debian's prebuilt Catch2 main)
      mkdir -p build-ci/tsan
      "${CXX:-g++}" -std=c++20 -O1 -g -fsanitize=thread -Iinclude tests/unit/test_concurrency.cpp \
        /usr/lib/libCatch2WithMain.a -o build-ci/tsan/test_concurrency
      TSAN_OPTIONS=halt_on_error=1 build-ci/tsan/test_concurrency
      # OpenMP under TSan: clang's libomp reports its synchronisation to TSan (archer); g++'s
      # libgomp does not, and TSan then reports races that are not there. The runtime's own
      # uninstrumented internals are ignored, as LLVM's OpenMP runtime asks; our code is not.
      clang++ -std=c++20 -O1 -g -fsanitize=thread -fopenmp -Iinclude tests/unit/test_shards.cpp \
        /usr/lib/libCatch2WithMain.a -o build-ci/tsan/test_shards
      TSAN_OPTIONS="halt_on_error=1 ignore_noninstrumented_modules=1" OMP_NUM_THREADS=4 build-ci/tsan/test_shards ;;
    scalar)  # the scalar fallback: no SIMD at all
      configure_and_build build-ci/scalar -DCTGRAD_BUILD_EXAMPLES=OFF -DCTGRAD_BUILD_BENCHMARKS=OFF "-DCMAKE_CXX_FLAGS=-DCTGRAD_SCALAR"
      ctest --test-dir build-ci/scalar --output-on-failure -j2 ;;
    fuzz)  # libFuzzer, bounded time
      CXX=clang++ configure_and_build build-ci/fuzz -DCTGRAD_BUILD_TESTS=OFF -DCTGRAD_BUILD_EXAMPLES=OFF \
        -DCTGRAD_BUILD_BENCHMARKS=OFF -DCTGRAD_BUILD_FUZZERS=ON
      mkdir -p build-ci/fuzz/corpus
      build-ci/fuzz/tests/fuzz/fuzz_fused -max_total_time="${CTGRAD_FUZZ_SECONDS:-60}" -print_final_stats=1 \
        build-ci/fuzz/corpus 2>&1 | grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|==)" ;;
    *)
      echo "unknown configuration $name" >&2
      return 2 ;;
  esac
}

if (($# == 0)); then
  set -- clang-avx2 asan-native tsan scalar fuzz
fi
for name in "$@"; do
  job "$name"
done
