#!/usr/bin/env bash
# Build ctgrad's examples, and nothing else, then run each one in name order.
# Its own build directory (CTGRAD_EXAMPLES_BUILD_DIR, default build-examples/): configured
# with the tests, benchmarks and docs checks off, so that it neither builds them nor turns
# them off in the cache of scripts/run_tests.sh's build/ (CI runs both on one machine; the
# second compiles the examples again as ccache hits).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages "${CTGRAD_PACKAGES[@]}"
# shellcheck disable=SC2086  # CTGRAD_CMAKE_ARGS is word-split on purpose
configure "$CTGRAD_EXAMPLES_BUILD_DIR" -DCTGRAD_BUILD_EXAMPLES=ON -DCTGRAD_BUILD_TESTS=OFF \
  -DCTGRAD_BUILD_BENCHMARKS=OFF -DCTGRAD_BUILD_DOCS=OFF ${CTGRAD_CMAKE_ARGS:-}

build_dir=$(cd "$CTGRAD_EXAMPLES_BUILD_DIR" && pwd)
# The examples' names, written by examples/CMakeLists.txt when configured: build those targets only.
mapfile -t names < <(grep -v '^$' "$build_dir/examples.txt" | LC_ALL=C sort)
build "$build_dir" --target "${names[@]}"
cd "$CTGRAD_ROOT"   # examples' arguments are relative to the repository

# The training examples' data (Debian's python3-sklearn), fetched into the build tree if missing;
# their plots go to the build tree too.
sklearn_data=""
if scripts/fetch_sklearn_data.sh "$build_dir/sklearn-data"; then
  sklearn_data=$build_dir/sklearn-data/data
fi
for name in "${names[@]}"; do
  echo "== $name"
  case "$name" in
    pytorch_parity)
      for cases in perceptron_cases perceptron_more_cases empty_batch_cases nonfinite_cases layer_cases gelu_cases \
                   forward_cases regularized_cases elementwise_cases optimizer_cases training_cases torch_format_cases; do
        "$build_dir/examples/$name" --check "tests/data/$cases.json"
      done ;;
    train_*)
      if [[ -n "$sklearn_data" ]]; then
        "$build_dir/examples/$name" "$sklearn_data" --plot "$build_dir/$name.svg"
      else
        echo "skipped: no data (see the message of scripts/fetch_sklearn_data.sh above)"
      fi ;;
    *) "$build_dir/examples/$name" ;;
  esac
done
