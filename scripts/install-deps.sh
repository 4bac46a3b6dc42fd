#!/usr/bin/env bash
# Installs the Debian packages weft needs to build and test. Idempotent; run as root
# (or with sudo available). Used by the README's commands and by .ci/run.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcapstone-dev libunwind-dev libdw-dev libelf-dev
  libprotobuf-dev protobuf-compiler
  libssl-dev
  libgtest-dev
  qt6-base-dev
  python3 clang-format
  # the weft Python package (python/): venv + pip without a package index, its trace reader's
  # protobuf runtime, its pytest plugin's tests (pytester, pytest-xdist)
  python3-venv python3-pip python3-setuptools python3-protobuf python3-pytest
  python3-pytest-xdist
  # weft cc with either compiler (tests/instrument)
  clang
  # tests/realworld: real multi-threaded programs run under weft
  pigz zstd xz-utils pbzip2 lbzip2 git sqlite3 libsqlite3-dev
  # tests/integration real_waits: threads in sigwait (pbzip2, lbzip2) and epoll_wait
  memcached
  # tests/programs/redis_seat_racy: a real server started by the program under weft;
  # bench/free.py's server row loads it with redis-benchmark and stops it with redis-cli
  redis-server redis-tools
  # Rust test programs (tests/programs/*.rs: std::sync::Mutex, atomic sites)
  rustc
  # weft replay --gdb N (and --gdbserver PORT): tests/integration/ci_test.py
  gdb gdbserver
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
