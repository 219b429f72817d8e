#!/usr/bin/env bash
# Build ctgrad and run its whole test suite (unit tests and examples) with CTest.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages "${CTGRAD_PACKAGES[@]}"
# shellcheck disable=SC2086  # CTGRAD_CMAKE_ARGS is word-split on purpose
configure_and_build "$CTGRAD_BUILD_DIR" -DCTGRAD_BUILD_TESTS=ON ${CTGRAD_CMAKE_ARGS:-}
ctest --test-dir "$CTGRAD_BUILD_DIR" --output-on-failure -j2
