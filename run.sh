#!/usr/bin/env bash
# Installs what is missing, builds, and opens Trainbench on the built-in default experiment.
# Without a display (or before the workbench is built), runs that experiment headless with progress.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install_dependencies.sh
./scripts/build.sh
if [ -x build/app/trainbench ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/app/trainbench "$@"
fi
exec build/app/trainbench-cli run heterogeneity_sweep_synthetic "$@"
