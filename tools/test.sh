#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs unit, BPF and end-to-end
# tests, the demo and a quick benchmark, clang-tidy, the unit tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer, then a bounded fuzz
# run of the TLS hello parser (NSFENCE_FUZZ_SECONDS, default 60). Run as
# root; kernel tests skip without root unless NSFENCE_REQUIRE_KERNEL_TESTS=1,
# which turns every skip into a failure.
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
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize -L unit --output-on-failure -j "$(nproc)"

fuzz_seconds=${NSFENCE_FUZZ_SECONDS:-60}
step "fuzz: TLS hello parser, libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer, ${fuzz_seconds} s"
cmake -S tests/fuzz -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j "$(nproc)"
# Seeds: the captured handshakes and inputs that once broke an invariant
# (tests/fuzz/regressions); new inputs go to a scratch corpus. A crash, a
# broken invariant (abort), a leak or an input taking over 10 s fails.
rm -rf build-fuzz/corpus && mkdir -p build-fuzz/corpus
if ! build-fuzz/tls_hello_fuzz -max_total_time="$fuzz_seconds" -max_len=16384 -timeout=10 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/ \
    build-fuzz/corpus tests/fixtures/tls tests/fuzz/regressions \
    >build-fuzz/tls_hello_fuzz.log 2>&1; then
  tail -n 60 build-fuzz/tls_hello_fuzz.log
  echo "fuzz: tls_hello_fuzz failed; the input is in build-fuzz/ (crash-*, timeout-*, leak-*)" >&2
  exit 1
fi
grep -E '^(Done|stat::(number_of_executed_units|new_units_added))' build-fuzz/tls_hello_fuzz.log

step "all tests passed"
