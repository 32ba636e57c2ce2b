#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs unit, BPF and end-to-end
# tests, the demo and a quick benchmark, clang-tidy, then the unit tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer. Run as root; kernel
# tests skip without root unless NSFENCE_REQUIRE_KERNEL_TESTS=1, which turns
# every skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
tools/install-deps.sh

step "build"
tools/build.sh

step "unit tests"
ctest --test-dir build -L unit --output-on-failure -j "$(nproc)"

step "kernel tests (BPF programs through BPF_PROG_TEST_RUN and real sockets)"
ctest --test-dir build -L kernel --output-on-failure

step "end-to-end tests (netns + cgroups + the real agent)"
ctest --test-dir build -L e2e --output-on-failure

step "demo"
build/bin/nsfence-demo

step "benchmark smoke run (checks it works; README figures come from a full run)"
ctest --test-dir build -L bench --output-on-failure

step "clang-tidy"
tools/clang-tidy.sh build

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-sanitize tools/build.sh -DNSFENCE_SANITIZE=ON -DNSFENCE_BUILD_E2E=OFF
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize -L unit --output-on-failure -j "$(nproc)"

step "all tests passed"
