#!/usr/bin/env bash
# Starts the real workbench under a virtual X server, launches the default experiment, saves a
# screenshot once data has streamed in, and checks on its pixels that the plots are not blank.
#   screenshot_under_xvfb.sh TRAINBENCH SCREENSHOT_PIXEL_CHECK OUTPUT_FOLDER
set -euo pipefail
trainbench="$1"
pixel_check="$2"
output="$3"
if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "SKIP: xvfb-run is not installed (Debian package xvfb); cannot start the workbench on a display"
  exit 77
fi
rm -rf "$output"
mkdir -p "$output"
# The program must draw on a real (virtual) X display, not the offscreen platform the unit tests use.
unset QT_QPA_PLATFORM
export XDG_DATA_HOME="$output/data"
xvfb-run --auto-servernum --server-args="-screen 0 1920x1200x24" \
  "$trainbench" --db "$output/runs.sqlite" --launch --exit-after 8 --screenshot "$output/dashboard.png" \
  --size 1800x1050
# Three plots get data from any method (throughput, batch size, evaluation); merge weights only from
# methods that merge replicas, and then they are checked too.
"$pixel_check" "$output/dashboard.png" 3
