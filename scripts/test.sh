#!/usr/bin/env bash
# Installs what is missing, builds into build/, runs the whole test suite with ctest.
# Idempotent; the second run only rebuilds what changed (ccache keeps compiled objects).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
IMGCLS_TESTS=ON "$root/scripts/build.sh"
cd "${IMGCLS_BUILD_DIR:-$root/build}"
# --no-tests=error: a build without the test suite (or a -R that matches nothing) fails, never passes.
ctest --output-on-failure --no-tests=error -j "${IMGCLS_TEST_JOBS:-2}" "$@"
