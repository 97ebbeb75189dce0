#!/usr/bin/env bash
# Installs what is missing, builds into build/, runs the whole test suite with ctest.
# Idempotent; the second run only rebuilds what changed (ccache keeps compiled objects).
#   scripts/test.sh --sanitize [GTEST_FILTER]  the tests under ASan + UBSan + LSan instead, in
#                                              build-sanitize/ (scripts/sanitize.sh says which)
#   IMGCLS_FUZZ_SECONDS=N                      after the suite, each libFuzzer target for N
#                                              seconds (scripts/fuzz.sh; CI uses 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
if [[ "${1:-}" == "--sanitize" ]]; then
  shift
  exec "$root/scripts/sanitize.sh" "$@"
fi
IMGCLS_TESTS=ON "$root/scripts/build.sh"
cd "${IMGCLS_BUILD_DIR:-$root/build}"
# --no-tests=error: a build without the test suite (or a -R that matches nothing) fails, never passes.
ctest --output-on-failure --no-tests=error -j "${IMGCLS_TEST_JOBS:-2}" "$@"
if [[ -n "${IMGCLS_FUZZ_SECONDS:-}" ]]; then
  "$root/scripts/fuzz.sh" "$IMGCLS_FUZZ_SECONDS"
fi
