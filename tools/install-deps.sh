#!/usr/bin/env bash
# Installs every Debian package nsfence needs to build, test and demo.
# Idempotent: packages already present are not downloaded again.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang clang-tidy libclang-rt-14-dev
  # kernel side
  libbpf-dev bpftool libelf-dev zlib1g-dev
  # userspace libraries
  libabsl-dev libprotobuf-dev protobuf-compiler prometheus-cpp-dev
  libyaml-cpp-dev libgtest-dev libgmock-dev
  # the Kubernetes API client (userspace/kube/)
  libcurl4-openssl-dev
  # end-to-end harness
  iproute2 procps
  # real containers for the container guard's end-to-end tests (tests/e2e/container_*_test.cc)
  runc busybox-static
  # TLS fixture capture (tools/capture-tls-fixtures.py): real clients and servers
  openssl curl gnutls-bin python3
  # (the TLS end-to-end tests, tests/e2e/tls_*_test.cc, run the same four)
  # benchmark TLS load (bench/load/tls_*.cc): OpenSSL
  libssl-dev
  # promtool for the alert rule tests (deploy/prometheus/), and the Prometheus
  # server for the metrics end-to-end test (on systemd hosts the package also
  # enables a prometheus service on :9090)
  prometheus
  # Kubernetes manifest checks (deploy/tests/check_manifests.py)
  python3-yaml python3-jsonschema
)

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (apt-get needs it)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
