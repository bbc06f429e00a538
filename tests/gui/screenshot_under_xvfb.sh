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
# Twelve seconds of the default experiment fill every plot; a slower build (the sanitize build sets
# TB_TIMING_SLOWDOWN) gets as many times longer.
exit_after=$((12 * ${TB_TIMING_SLOWDOWN:-1}))
xvfb-run --auto-servernum --server-args="-screen 0 1920x1200x24" \
  "$trainbench" --db "$output/runs.sqlite" --launch --exit-after "$exit_after" --screenshot "$output/dashboard.png" \
  --size 1800x1050
# The default experiment (Adaptive SGD on a simulated fleet) feeds all four plots: throughput, batch
# size, merge weights and evaluation.
"$pixel_check" "$output/dashboard.png" 4
# On a laptop screen the window must fit, with all four plots still drawn.
xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24" \
  "$trainbench" --db "$output/runs.sqlite" --launch --exit-after "$exit_after" --screenshot "$output/dashboard_1280x800.png" \
  --size 1280x800
"$pixel_check" "$output/dashboard_1280x800.png" 4 1280x800
