#!/usr/bin/env bash
# Time to target, method x fleet, on the simulated clock: Adaptive SGD and its four baselines, each with
# the setting its tuning sweep chose (bench/fleet/tuned_<data>.json, written by
# bench/fleet/tune_learning_rates.py --report), on a homogeneous fleet of 4 and heterogeneous fleets of
# 4, 8 and 16 devices (bench/fleet/study_settings.py). Prints a Markdown table of run-clock seconds to the
# target P@1 and the simulator's own speed (simulated device-seconds per wall second).
# Usage: bench/fleet/time_to_target.sh [build-dir] [synthetic|bibtex] [epoch budget]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
data=${2:-synthetic}
tuned=bench/fleet/tuned_$data.json
[[ -f $tuned ]] || { echo "no tuned settings for '$data' ($tuned)" >&2; exit 2; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/fleet/time_to_target_table.py "$build" "$tuned" ${3:+--max-epochs "$3"}
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
