#!/usr/bin/env bash
# Installs the Debian packages Trainbench builds and tests with, only those missing; silent when
# everything is already there. The CUDA toolkit is not a Debian package here: when nvcc is on the PATH
# the CUDA backend is built too. Clang 14 with its runtime libraries (libFuzzer, ASan, UBSan), its
# OpenMP and llvm-symbolizer (llvm-14) build and run the fuzz harnesses of scripts/fuzz.sh. Open MPI builds
# distributed runs (trainbench-cli run --distributed) and runs their tests under mpirun.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libopenblas-dev nlohmann-json3-dev zlib1g-dev libsqlite3-dev libcli11-dev libmetis-dev libsvm-dev
  libmatio-dev liblapacke-dev
  openmpi-bin libopenmpi-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  xvfb xauth
  clang-14 libclang-rt-14-dev libomp-14-dev llvm-14
  dataset-fashion-mnist
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: installing packages needs root or sudo" >&2; exit 1; }
  run_as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
