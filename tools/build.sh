#!/usr/bin/env bash
# Configures and builds nsfence into BUILD_DIR (default build/): binaries in
# build/bin, tests in build/tests. Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
