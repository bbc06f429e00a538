#!/usr/bin/env bash
# The device kit (../shared/device-kit) carries the packages of the CUDA build but not METIS or LIBSVM,
# which the engine links (Cluster-GCN's partitioner, the kernel methods' SVM). This downloads their
# Debian packages into .device-extra/ (ignored by git); pass ".device-extra" in the device call's carry
# beside ".device-kit", and run_gpu_must_show.sh unpacks them before it configures.
# Usage, from the project's root, on a machine that reaches Debian's package lists:
#   bench/gpu/fetch_extra_packages.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .device-extra
cd .device-extra
rm -f ./*.deb
apt-get download libmetis5 libmetis-dev libsvm3 libsvm-dev
ls -l ./*.deb
