#!/usr/bin/env bash
# The quasi-global momentum comparison of bench/RESULTS.md, from tuning to table:
#   1. tuning: every method on the ring of 16 at every alpha, seed 0 (not a table seed), over a 5-point
#      grid of rates: 0.025..0.4 with momentum 0.9 (dsgdm, qg_dsgdm), 0.125..2 without (dsgd,
#      gradient_tracking; the momentum grid times about 1 / (1 - 0.9) / 2), trained on 80% of the
#      training images and measured on the other 20% (dataset.validation_fraction; the same images for
#      every run): the test set never chooses a rate;
#   2. the best rate of each (method, alpha) on seeds 1, 2, 3 on the ring of 16 and the social graph of
#      32 (the social graph reuses the ring's rates);
#   3. the table: mean and standard deviation over the seeds of the averaged model's test accuracy.
# Every run is on the simulated clock, so its accuracy does not depend on the machine's load.
#
#   bench/decentralized/run_comparison.sh BUILD_DIR [EPOCHS] [OUTPUT_DIR]
set -euo pipefail
build=${1:?usage: run_comparison.sh BUILD_DIR [EPOCHS] [OUTPUT_DIR]}
epochs=${2:-5}
out=${3:-decentralized_comparison}
bench="$build/bench/decentralized_comparison"
mkdir -p "$out"
# One thread per run and no spinning: the runs are small and the machine is shared.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive

momentum_grid="0.025 0.05 0.1 0.2 0.4"
plain_grid="0.125 0.25 0.5 1 2"
alphas="10 1 0.1"

validation=(--set dataset.validation_fraction=0.2 --set dataset.validation_seed=1)
# The two grids side by side (the runs are single-threaded), each into its own file.
for lr in $momentum_grid; do
  nice -n 19 "$bench" --methods dsgdm,qg_dsgdm --alphas 10,1,0.1 --topologies ring16 --seeds 0 --epochs "$epochs" \
    --lr "dsgdm=$lr,qg_dsgdm=$lr" "${validation[@]}" | grep '^run'
done > "$out/tuning_momentum.txt" &
for lr in $plain_grid; do
  nice -n 19 "$bench" --methods dsgd,gradient_tracking --alphas 10,1,0.1 --topologies ring16 --seeds 0 --epochs "$epochs" \
    --lr "dsgd=$lr,gradient_tracking=$lr" "${validation[@]}" | grep '^run'
done > "$out/tuning_plain.txt"
wait
cat "$out/tuning_momentum.txt" "$out/tuning_plain.txt" > "$out/tuning.txt"

# The best rate of a method at an alpha (ties to the smaller rate, the first in the grid).
best_rate() {
  awk -v method="$1" -v alpha="alpha=$2" '$3 == method && $4 == alpha {
      split($6, r, "="); split($8, a, "=");
      if (!(seen++) || a[2] > best) { best = a[2]; rate = r[2] } }
    END { print rate }' "$out/tuning.txt"
}

: > "$out/rates.txt"
for alpha in $alphas; do
  rates=""
  for method in dsgd dsgdm qg_dsgdm gradient_tracking; do
    rates+="${rates:+,}$method=$(best_rate "$method" "$alpha")"
  done
  echo "alpha $alpha: $rates" | tee -a "$out/rates.txt"
  # The alphas side by side, each into its own file; the test runs train on every training image.
  nice -n 19 "$bench" --methods dsgd,dsgdm,qg_dsgdm,gradient_tracking --alphas "$alpha" --topologies ring16,social32 \
    --seeds 1,2,3 --epochs "$epochs" --lr "$rates" | grep '^run' > "$out/runs_alpha_$alpha.txt" &
done
wait
cat "$out"/runs_alpha_*.txt > "$out/runs.txt"

# method x alpha x topology: mean +- sample standard deviation over the seeds, in percent.
{
  echo "| method | alpha | topology | accuracy (%) | seeds |"
  echo "|---|---|---|---|---|"
  awk '{ split($4, al, "="); split($8, ac, "="); key = $3 " | " al[2] " | " $2;
         n[key]++; s[key] += ac[2]; q[key] += ac[2] * ac[2] }
       END { for (k in n) { m = s[k] / n[k]; v = n[k] > 1 ? (q[k] - n[k] * m * m) / (n[k] - 1) : 0;
                            printf "| %s | %.2f +- %.2f | %d |\n", k, 100 * m, 100 * sqrt(v > 0 ? v : 0), n[k] } }' \
    "$out/runs.txt" | sort -t'|' -k4,4 -k3,3r -k2,2
} | tee "$out/table.md"
