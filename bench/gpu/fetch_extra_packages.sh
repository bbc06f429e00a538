#!/usr/bin/env bash
# The device kit (../shared/device-kit) carries the packages of the CUDA build but not METIS, LIBSVM,
# matio or LAPACKE, which the engine links (Cluster-GCN's partitioner, the kernel methods' SVM, the
# multi-task data reader and solvers). matio's HDF5 needs libcurl4 and libssl3 at run time, which are not
# downloaded: the GPU image is expected to have them (untested there). This downloads their
# Debian packages into .device-extra/ (ignored by git); pass ".device-extra" in the device call's carry
# beside ".device-kit", and run_gpu_must_show.sh unpacks them before it configures.
# Usage, from the project's root, on a machine that reaches Debian's package lists:
#   bench/gpu/fetch_extra_packages.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .device-extra
cd .device-extra
rm -f ./*.deb
apt-get download libmetis5 libmetis-dev libsvm3 libsvm-dev libmatio11 libmatio-dev libhdf5-103-1 libsz2 libaec0 \
  liblapacke liblapacke-dev libtmglib3
ls -l ./*.deb
