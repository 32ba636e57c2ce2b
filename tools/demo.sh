#!/usr/bin/env bash
# The demo: installs what is missing, builds if needed, then runs a small node
# on this host (network namespaces and cgroups), the agent with
# policies/workflow-jobs.yaml, one allowed and one blocked flow and the JSON
# violation. Everything it creates is removed again. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
exec build/bin/nsfence-demo "$@"
