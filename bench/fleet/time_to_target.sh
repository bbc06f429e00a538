#!/usr/bin/env bash
# Time to target, method x fleet, on the simulated clock: Adaptive SGD and its four baselines on a
# homogeneous fleet of 4 and heterogeneous fleets of 4, 8 and 16 devices, on the small synthetic XMLC set
# (or Bibtex with DATA=bibtex). Prints a table of run-clock seconds to the target P@1 ("-" when not
# reached within the epoch budget) and the simulator's own speed (simulated device-seconds per wall
# second). Usage: bench/fleet/time_to_target.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cli="$build/app/trainbench-cli"
preset=${DATA:-synthetic}
case "$preset" in
  synthetic) base=heterogeneity_sweep_synthetic ;;
  bibtex) base=adaptive_vs_sync_bibtex ;;
  *) echo "DATA must be synthetic or bibtex" >&2; exit 2 ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

fleet_json() {  # speeds... -> fleet.devices JSON
  local devices="" i=0
  for s in "$@"; do
    devices+="${devices:+,}{\"name\":\"d$i\",\"speed\":$s,\"peak_gflops\":100,\"memory_gbs\":20}"
    i=$((i + 1))
  done
  echo "[$devices]"
}
declare -A fleets=(
  [homogeneous-4]="$(fleet_json 1 1 1 1)"
  [heterogeneous-4]="$(fleet_json 1.0 0.7 0.4 0.25)"
  [heterogeneous-8]="$(fleet_json 1 1 0.5 0.5 0.5 0.25 0.25 0.25)"
  [heterogeneous-16]="$(fleet_json 1 1 1 1 1 0.7 0.7 0.7 0.7 0.4 0.4 0.4 0.4 0.25 0.25 0.25)"
)
methods=(adaptive_sgd sync_sgd model_averaging crossbow_sma easgd)
printf '%-18s' "fleet"; for m in "${methods[@]}"; do printf '%16s' "$m"; done; printf '%22s\n' "sim s per wall s"
for fleet in homogeneous-4 heterogeneous-4 heterogeneous-8 heterogeneous-16; do
  printf '%-18s' "$fleet"
  sim_total=0; wall_total=0
  for m in "${methods[@]}"; do
    method_override=()
    [[ $m != adaptive_sgd ]] && method_override=(--set "method={\"kind\":\"$m\"}")
    "$cli" run "$base" --no-store --quiet "${method_override[@]}" --set "fleet.devices=${fleets[$fleet]}" \
      --summary-json "$out/$fleet-$m.json" >/dev/null 2>&1 || true
    read -r ttt sim wall < <(python3 - "$out/$fleet-$m.json" "${fleets[$fleet]}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = len(json.loads(sys.argv[2]))
t = s.get("time_to_target_s")
print("-" if t is None else f"{t:.4f}", s["run_clock_s"] * n, s["wall_s"])
PY
)
    printf '%16s' "$ttt"
    sim_total=$(python3 -c "print($sim_total + $sim)"); wall_total=$(python3 -c "print($wall_total + $wall)")
  done
  python3 -c "print(f'{$sim_total / $wall_total:22.5f}')"
done
