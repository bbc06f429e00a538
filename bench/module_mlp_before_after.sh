#!/usr/bin/env bash
# The MLP built from nn modules against the engine before it, on the same machine in the same minutes:
# training_throughput (Bibtex and the Delicious-200K shape) and output_layer_bench, the two builds
# alternating for ROUNDS rounds (the order flips every round, so neither build always runs second).
# Prints every round's figures, and after / before of their medians and of their minima (for a time,
# below 1 is faster). On a shared VM the minimum is the steadier of the two: a run that overlaps another
# process's work only ever gets slower.
#
#   bench/module_mlp_before_after.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [ROUNDS] [DELICIOUS_STEPS] [BIBTEX_ROUNDS]
#
# A Bibtex step takes about a millisecond, so another process's burst moves it most; BIBTEX_ROUNDS more
# alternating rounds of the Bibtex part alone (a few seconds each) give it more chances at a quiet spell.
#
# Each build directory needs bench/training_throughput and bench/output_layer_bench. Run it with nothing
# else on the machine: this VM's speed drifts by 10 to 20% over an hour and other processes move it more.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,10p' "$0"
  exit 2
fi
before_dir=$1
after_dir=$2
rounds=${3:-5}
delicious_steps=${4:-20}
bibtex_rounds=${5:-0}
for dir in "$before_dir" "$after_dir"; do
  for program in training_throughput output_layer_bench; do
    [[ -x "$dir/bench/$program" ]] || { echo "missing $dir/bench/$program: build it first" >&2; exit 2; }
  done
done

logs=$(mktemp -d)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; logs in $logs"
for round in $(seq 1 "$rounds"); do
  if (( round % 2 == 1 )); then order="before after"; else order="after before"; fi
  for build in $order; do
    if [[ $build == before ]]; then dir=$before_dir; else dir=$after_dir; fi
    "$dir/bench/training_throughput" --steps "$delicious_steps" > "$logs/throughput-$build-$round.txt"
    "$dir/bench/output_layer_bench" > "$logs/output_layer-$build-$round.txt"
    echo "round $round: $build done"
  done
done
for round in $(seq 1 "$bibtex_rounds"); do
  if (( round % 2 == 1 )); then order="before after"; else order="after before"; fi
  for build in $order; do
    if [[ $build == before ]]; then dir=$before_dir; else dir=$after_dir; fi
    "$dir/bench/training_throughput" --skip-delicious > "$logs/bibtex-$build-$round.txt"
  done
done

python3 - "$logs" "$rounds" "$bibtex_rounds" <<'PYTHON'
import re, statistics, sys
logs, rounds, bibtex_rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def figure(path, pattern):
    with open(path) as f:
        match = re.search(pattern, f.read())
    return float(match.group(1)) if match else None

# (label, file, runs, pattern for the before build, pattern for the after build)
measures = [
    ("Bibtex step (mean of 200), ms", "throughput", rounds, r"bibtex .*\(([\d.]+) ms/step\)", None),
    ("Bibtex step (mean of 200), Bibtex-only rounds, ms", "bibtex", bibtex_rounds, r"bibtex .*\(([\d.]+) ms/step\)", None),
    ("Delicious-200K shape step (mean), ms", "throughput", rounds, r"delicious-200k shape .*?, ([\d.]+) ms/step", None),
    ("Delicious-200K shape, fastest step, ms", "throughput", rounds, r"fastest step: ([\d.]+) ms", None),
    ("output layer, fused operation, median of 8 calls, ms", "output_layer", rounds, r"blocked\s+median ([\d.]+) ms", None),
    ("output layer through the module (after) / bare operation (before), median of 8 calls, ms", "output_layer",
     rounds, r"blocked\s+median ([\d.]+) ms", r"module\s+median ([\d.]+) ms"),
    ("output layer through the module (after) / bare operation (before), fastest call, ms", "output_layer",
     rounds, r"blocked\s+median [\d.]+ ms, fastest ([\d.]+) ms", r"module\s+median [\d.]+ ms, fastest ([\d.]+) ms"),
]
for label, kind, runs, before_pattern, after_pattern in measures:
    if runs == 0:
        continue
    values = {}
    for build, pattern in (("before", before_pattern), ("after", after_pattern or before_pattern)):
        values[build] = [figure(f"{logs}/{kind}-{build}-{r}.txt", pattern) for r in range(1, runs + 1)]
    if any(v is None for vs in values.values() for v in vs):
        print(f"{label}: not measured (a run did not print it)")
        continue
    b, a = statistics.median(values["before"]), statistics.median(values["after"])
    b_min, a_min = min(values["before"]), min(values["after"])
    print(f"{label}\n  before: {', '.join(f'{v:g}' for v in values['before'])} (median {b:g}, fastest {b_min:g})"
          f"\n  after:  {', '.join(f'{v:g}' for v in values['after'])} (median {a:g}, fastest {a_min:g})"
          f"\n  after / before: {a / b:.3f} of the medians, {a_min / b_min:.3f} of the fastest")
PYTHON
