#!/usr/bin/env bash
# Runs clang-tidy (config: .clang-tidy) on every userspace source file.
# Usage: tools/clang-tidy.sh BUILD_DIR   (a configured build with compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [[ ! -f $build/compile_commands.json ]]; then
  echo "clang-tidy: $build/compile_commands.json missing; configure the build first" >&2
  exit 1
fi
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
mapfile -t files < <(find userspace -name '*.cc' | sort)
echo "clang-tidy: checking ${#files[@]} files"
if [[ -n $runner ]]; then
  "$runner" -quiet -clang-tidy-binary "$tidy" -p "$build" -j "$(nproc)" "${files[@]}"
else
  "$tidy" --quiet -p "$build" "${files[@]}"
fi
