#!/usr/bin/env bash
# How fast each method of the fleet study gets through an epoch at the paper's model shapes, on the
# simulated clock: the run-clock seconds per epoch of one epoch of Delicious-200K-shaped and
# Amazon-670K-shaped synthetic data (782,585 features x 128 hidden x 205,443 labels, and 135,909 x 128 x
# 670,091), on the V100 server of 4 and 8 cards. Pace is the factor of a time to target that the shape
# decides (the other, epochs to target, needs the real data and is not measured here). Each method runs
# with the structural settings the fleet study's methods share (bench/studies/fleet_time_to_target) at
# one point of their grids; the rate does not change the pace.
#
#   bench/studies/shape_pace.sh BUILD_DIR [TRAIN_ROWS] [OUTPUT_DIR]
set -euo pipefail
build=${1:?usage: shape_pace.sh BUILD_DIR [TRAIN_ROWS] [OUTPUT_DIR]}
rows=${2:-8192}
out=${3:-shape_pace}
cli="$build/app/trainbench-cli"
mkdir -p "$out"

declare -A method_sections=(
  [adaptive_sgd]='{"kind": "adaptive_sgd", "batch_min": 32, "batch_max": 512, "batch_step": 16, "batch_after_warmup": 128, "warmup_epochs": 1, "mega_batch": 4096, "merge_momentum": 0.5, "merge_rule": "update_share"}'
  [adaptive_sgd_authors]='{"kind": "adaptive_sgd", "batch_min": 32, "batch_max": 512, "batch_step": 16, "batch_after_warmup": 128, "warmup_epochs": 1, "mega_batch": 4096, "merge_momentum": 0.5, "merge_rule": "authors_l2_trend"}'
  [sync_sgd]='{"kind": "sync_sgd", "batch_size": 1024, "gradient_exchange": "dense_all_reduce"}'
  [model_averaging]='{"kind": "model_averaging", "batch_size": 128, "mega_batch": 4096}'
  [crossbow_sma]='{"kind": "crossbow_sma", "batch_size": 64, "sync_every": 1, "alpha": 0, "momentum": 0.5}'
  [easgd]='{"kind": "easgd", "batch_size": 128, "beta": 0.9, "tau": 16}'
)
methods="adaptive_sgd adaptive_sgd_authors sync_sgd model_averaging crossbow_sma easgd"

: > "$out/pace.txt"
for shape in delicious_200k amazon_670k; do
  for fleet in v100x4 v100x8; do
    for method in $methods; do
      config="$out/$shape-$fleet-$method.json"
      cat > "$config" <<JSON
{
  "name": "pace-$shape-$fleet-$method",
  "method": ${method_sections[$method]},
  "dataset": {"kind": "synthetic_xmlc", "shape": "$shape", "seed": 1, "train_samples": $rows, "test_samples": 256},
  "model": {"kind": "sparse_mlp", "hidden": [128], "loss": "softmax"},
  "optimizer": {"kind": "sgd", "lr": 1.0, "momentum": 0.9, "lr_reference_batch": 256},
  "fleet": {"preset": "$fleet"},
  "stop": {"max_epochs": 1},
  "eval": {"every_s": 1000, "metrics": ["p@1"]},
  "seed": 1
}
JSON
      started=$SECONDS
      if "$cli" run "$config" --no-store --quiet --summary-json "$out/$shape-$fleet-$method.summary.json" \
           > "$out/$shape-$fleet-$method.log" 2>&1; then
        python3 - "$out/$shape-$fleet-$method.summary.json" "$shape" "$fleet" "$method" "$(( SECONDS - started ))" <<'PY' | tee -a "$out/pace.txt"
import json, sys
summary = json.load(open(sys.argv[1]))
epochs = summary["epochs"]
print(f"{sys.argv[2]} {sys.argv[3]} {sys.argv[4]} run_clock_per_epoch_ms={1000 * summary['run_clock_s'] / epochs:.3f} "
      f"epochs={epochs:.2f} wall={sys.argv[5]}s")
PY
      else
        echo "$shape $fleet $method failed: $(tail -1 "$out/$shape-$fleet-$method.log")" | tee -a "$out/pace.txt"
      fi
    done
  done
done
