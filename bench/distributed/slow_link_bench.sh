#!/usr/bin/env bash
# Distributed runs across a slow link, on one machine: two emulated hosts (network namespaces tbh1 and tbh2,
# emulated_hosts.sh) joined by a rate-limited link, one MPI rank on each, every byte between the ranks over
# TCP through that link. At each rate it shows
#   1. all-reduce times measured across the link against the cost model's prediction for it
#      (collective_bench), with Open MPI's default non-blocking algorithm and with its ring;
#   2. time to target P@1 of Adaptive SGD and of sync_sgd (trainbench-cli run --distributed), several seeds
#      each, with mean, spread and their ratio.
# At the first rate only: one seed of each method with Open MPI's ring all-reduce, and the all-reduce
# across four hosts (one rank each) against the model's ring of four.
# The hosts come down at the end, also on failure or Ctrl-C.
#
#   bench/distributed/slow_link_bench.sh [BUILD_DIR]
#
# Environment: RATES (tc notation, default "1gbit 100mbit"), SEEDS (default "7 8 9"), DELAY_MS (tried with
# netem; the kernel this was written on has none), LOGS (a folder for every summary and log; default a new one in /tmp).
# Needs root, Open MPI (mpirun), jq, and the build's app/trainbench-cli and bench/collective_bench.
# Takes about 8 minutes on 2 cores, most of it the six training runs at 100 Mbit/s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rates=${RATES:-"1gbit 100mbit"}
seeds=${SEEDS:-"7 8 9"}
delay_ms=${DELAY_MS:-}
logs=${LOGS:-$(mktemp -d /tmp/trainbench-slow-link.XXXXXX)}
mkdir -p "$logs"

cli=$build/app/trainbench-cli
collective_bench=$build/bench/collective_bench
for tool in mpirun jq; do
  command -v "$tool" > /dev/null || { echo "slow_link_bench.sh: '$tool' is missing" >&2; exit 2; }
done
for program in "$cli" "$collective_bench"; do
  [[ -x $program ]] || { echo "slow_link_bench.sh: missing $program (cmake --build $build --target $(basename "$program"))" >&2; exit 2; }
done
if [[ $(id -u) -ne 0 ]]; then
  echo "slow_link_bench.sh: needs root for the network namespaces (emulated_hosts.sh)" >&2
  exit 1
fi

trap '"$here/emulated_hosts.sh" down > /dev/null 2>&1 || true' EXIT
# A signal ends the script through `exit`, so that the EXIT trap takes the hosts down.
trap 'exit 130' INT TERM

# --- the set-up every run shares ------------------------------------------------------------------------
readonly hidden=128 features=20000 labels=500
# What one merge all-reduces: the model's parameters as doubles.
readonly model_values=$((features * hidden + hidden + hidden * labels + labels))
readonly model_kib=$(((model_values * 8 + 1023) / 1024))

# One rank on each of N emulated hosts. Each host gets a core of its own where there are enough
# (netns_rsh_agent.sh pins what it starts there), so that two ranks do not share one core while another
# idles. Open MPI's own binding is off: every daemon thinks itself alone on its node and would bind its
# first rank to core 0 of the machine, all ranks on the same core.
mpirun_across_hosts=()
use_hosts() {
  local count=$1 i
  : > "$logs/hostfile-$count"
  for ((i = 1; i <= count; i++)); do
    echo "tbh$i slots=1" >> "$logs/hostfile-$count"
    export "TRAINBENCH_CORES_OF_tbh$i=$(((i - 1) % $(nproc)))"
  done
  mpirun_across_hosts=(mpirun --allow-run-as-root --oversubscribe --bind-to none --hostfile "$logs/hostfile-$count" -np "$count"
    --mca plm_rsh_agent "$here/netns_rsh_agent.sh"
    --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24)
}

# The settings of the project's earlier tuning sweep on the small synthetic set
# (tests/core/fleet_settings/tuned_synthetic.json): its model, target, epoch budget and each method's
# settings; the 300 s cap on the run clock is this bench's, the same for both methods.
cat > "$logs/experiment.json" << EOF
{
  "name": "slow-link",
  "method": {"kind": "sync_sgd", "batch_size": 256},
  "dataset": {"kind": "synthetic_xmlc", "shape": "small", "seed": 1},
  "model": {"kind": "sparse_mlp", "hidden": [$hidden], "loss": "softmax"},
  "optimizer": {"kind": "sgd", "lr": 4.0, "momentum": 0.9},
  "fleet": {"clock": "wall", "devices": [{"name": "w0", "host": "tbh1"}, {"name": "w1", "host": "tbh1"},
                                         {"name": "w2", "host": "tbh2"}, {"name": "w3", "host": "tbh2"}]},
  "stop": {"max_time_s": 300, "max_epochs": 15, "target": {"metric": "p@1", "value": 0.7}},
  "eval": {"every_s": 1000, "every_epochs": 0.25, "metrics": ["p@1"]},
  "seed": 7
}
EOF
adaptive_sgd_settings=(--set 'method={"kind":"adaptive_sgd","batch_min":32,"batch_max":512,"batch_step":16,"batch_after_warmup":128,"warmup_epochs":1,"mega_batch":4096,"merge_momentum":0.5}'
  --set 'optimizer={"kind":"sgd","lr":16.0,"momentum":0.0}')

cat << EOF
machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, kernel $(uname -r), $(mpirun --version | head -1)
logs and summaries: $logs
emulated hosts: tbh1 and tbh2 (network namespaces), one MPI rank each, every byte between the ranks over TCP
  through a veth into a bridge, token-bucket (tbf) limited to the rate on both ends of each veth;
  btl tcp,self: no shared memory between the ranks; host i pinned to core (i-1) mod $(nproc) (tbh1 on 0, tbh2 on 1);
  the ranks' compute shares the machine's $(nproc) cores with mpirun, its daemons and the kernel's network work
data: synthetic_xmlc small (8,000 training rows, 20,000 features, 500 labels), data seed 1
model: sparse MLP, hidden $hidden, softmax: $model_values parameters, $model_kib KiB as doubles (what a merge all-reduces)
fleet: 4 CPU devices of equal speed, w0 w1 on tbh1 and w2 w3 on tbh2, wall clock
settings: the project's tuning sweep (tests/core/fleet_settings/tuned_synthetic.json, tuned on a simulated
  heterogeneous 4-device fleet), fixed, not retuned for the slow link:
  sync_sgd: global batch 256, sgd lr 4.0 momentum 0.9
  adaptive_sgd: batch 32..512 step 16, 128 after 1 warm-up epoch, mega_batch 4096, merge momentum 0.5, sgd lr 16.0 no momentum
target: p@1 0.7 on the test split, evaluated every 0.25 epoch (evaluation time not counted)
budget, the same for both: 15 epochs or 300 s of run clock; seeds (the run's seed, same data): $seeds
EOF

# The bytes the shaped ends have sent, summed over both hosts: proof that the traffic took the link.
shaped_bytes() {
  local total=0 namespace bytes
  for namespace in tbh1 tbh2; do
    bytes=$(ip netns exec "$namespace" tc -s qdisc show dev eth0 | awk '/Sent/ {print $2; exit}')
    total=$((total + bytes))
  done
  echo "$total"
}

# The link latency collective_bench fitted from MPI's blocking one-value all-reduce: a route that polls
# with pauses would fit its pauses instead.
fitted_latency_us() {
  grep -m1 '^RESULT' "$1" | sed 's/.*link_latency_us=\([0-9.]*\).*/\1/'
}

# run_to_target LINK METHOD SEED LABEL [MPIRUN_OPTION...] [-- RUN_OPTION...]: one training run to the
# target; its row goes to time_to_target.tsv under LINK followed by LABEL.
run_to_target() {
  local rate=$1 method=$2 seed=$3 extra_label=$4
  shift 4
  local mpirun_options=() run_options=()
  while [[ $# -gt 0 && $1 != -- ]]; do mpirun_options+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  run_options=("$@")
  local summary=$logs/summary-$rate-$method-$seed$extra_label.json
  [[ $method == adaptive_sgd ]] && run_options+=("${adaptive_sgd_settings[@]}")
  if ! "${mpirun_across_hosts[@]}" "${mpirun_options[@]}" "$cli" run "$logs/experiment.json" --distributed --no-store --quiet \
      --summary-json "$summary" --set "seed=$seed" "${run_options[@]}" > "$logs/run-$rate-$method-$seed$extra_label.log" 2>&1; then
    echo "  $method seed $seed: the run failed (log: $logs/run-$rate-$method-$seed$extra_label.log)"
    tail -5 "$logs/run-$rate-$method-$seed$extra_label.log" | sed 's/^/    /'
    return 0
  fi
  jq -r --arg rate "$rate$extra_label" --arg method "$method" --arg seed "$seed" \
    '[$rate, $method, $seed, .status, (.time_to_target_s // "none"), .epochs, (.best["p@1"] // 0), .run_clock_s] | @tsv' \
    "$summary" | tee -a "$logs/time_to_target.tsv" |
    awk -F'\t' '{ printf "  %-13s seed %s: %-8s time to target %s s, %.2f epochs, best p@1 %.4f, run clock %.1f s\n",
                   $2, $3, $4, ($5 == "none" ? "none (not reached)" : sprintf("%.2f", $5)), $6, $7, $8 }'
}

: > "$logs/time_to_target.tsv"
for rate in $rates; do
  echo
  echo "=== link $rate, 2 hosts ==="
  "$here/emulated_hosts.sh" up 2 "$rate" $delay_ms
  use_hosts 2
  bits_per_second=$("$here/emulated_hosts.sh" bits-per-second "$rate")
  link_gbs=$(awk -v bits="$bits_per_second" 'BEGIN { printf "%.6g", bits / 8e9 }')
  # Above 500 Mbit/s a 32 MiB buffer takes well under a second; below, the largest is the model's.
  if awk -v b="$bits_per_second" 'BEGIN { exit !(b >= 5e8) }'; then
    sizes="64,256,1024,4096,$model_kib,32768"
  else
    sizes="64,256,1024,4096,$model_kib"
  fi

  echo
  echo "--- all-reduce across the link: measured against the cost model (link_gbs $link_gbs, latency fitted) ---"
  before=$(shaped_bytes)
  "${mpirun_across_hosts[@]}" "$collective_bench" --link-gbs "$link_gbs" --sizes-kib "$sizes" --repeats 3 | tee "$logs/collectives-$rate.txt" | grep -v '^RESULT'
  echo
  echo "--- the same with Open MPI's ring for the non-blocking all-reduce (--mca coll_libnbc_iallreduce_algorithm 1), engine route ---"
  "${mpirun_across_hosts[@]}" --mca coll_libnbc_iallreduce_algorithm 1 "$collective_bench" --link-gbs "$link_gbs" \
    --link-latency-us "$(fitted_latency_us "$logs/collectives-$rate.txt")" --sizes-kib "$sizes" --repeats 3 --engine-only |
    tee "$logs/collectives-ring-$rate.txt" | grep -v '^RESULT'
  after=$(shaped_bytes)
  echo "the hosts' shaped link ends sent $(awk -v b=$((after - before)) 'BEGIN { printf "%.1f", b / 1e6 }') MB during the all-reduces"

  echo
  echo "--- time to target p@1 0.7 across the link ---"
  for seed in $seeds; do
    for method in sync_sgd adaptive_sgd; do
      run_to_target "$rate" "$method" "$seed" ""
    done
  done
done

# The ring variant costs a run per method, so it runs once, at the first rate; so do four hosts, whose
# collectives alone are timed (four ranks on this machine's cores would make training compute-bound).
first_rate=${rates%% *}
first_seed=${seeds%% *}
echo
echo "=== link $first_rate, 2 hosts: the training runs with Open MPI's ring all-reduce (coll_libnbc_iallreduce_algorithm 1), seed $first_seed ==="
"$here/emulated_hosts.sh" up 2 "$first_rate" $delay_ms > /dev/null
use_hosts 2
for method in sync_sgd adaptive_sgd; do
  run_to_target "$first_rate" "$method" "$first_seed" "-ring" --mca coll_libnbc_iallreduce_algorithm 1
done

echo
echo "=== link $first_rate, 4 hosts: all-reduce across the link, the engine's route only ==="
echo "(four ranks on $(nproc) cores: MPI's own waits spin and would time the scheduler rather than the link, so only the"
echo " engine's polled wait is timed, and the latency is the one fitted on 2 hosts, not refitted)"
"$here/emulated_hosts.sh" up 4 "$first_rate" $delay_ms
use_hosts 4
bits_per_second=$("$here/emulated_hosts.sh" bits-per-second "$first_rate")
link_gbs=$(awk -v bits="$bits_per_second" 'BEGIN { printf "%.6g", bits / 8e9 }')
latency_us=$(fitted_latency_us "$logs/collectives-$first_rate.txt")
for algorithm in default ring; do
  algorithm_option=()
  [[ $algorithm == ring ]] && algorithm_option=(--mca coll_libnbc_iallreduce_algorithm 1)
  echo
  "${mpirun_across_hosts[@]}" "${algorithm_option[@]}" "$collective_bench" --link-gbs "$link_gbs" --link-latency-us "$latency_us" \
    --sizes-kib "1024,4096,$model_kib" --repeats 3 --engine-only | tee "$logs/collectives-4hosts-$algorithm-$first_rate.txt" | grep -v '^RESULT'
done

# The same two ranks on this machine's own network stack and shared memory (Open MPI's default transports),
# no namespaces: what the runs cost without the slow link. The devices carry no host, so they go to the
# ranks in order (w0 w1 to rank 0, w2 w3 to rank 1), as on the emulated hosts.
echo
echo "=== no slow link: 2 ranks on this machine, shared memory, seed $first_seed ==="
"$here/emulated_hosts.sh" down > /dev/null
mpirun_across_hosts=(mpirun --allow-run-as-root --bind-to none -np 2)
for method in sync_sgd adaptive_sgd; do
  run_to_target "shared-memory" "$method" "$first_seed" "" -- --set 'fleet.devices=[{"name":"w0"},{"name":"w1"},{"name":"w2"},{"name":"w3"}]'
done

echo
echo "=== time to target p@1 0.7 (run clock seconds; mean +- sample standard deviation, min..max over the seeds) ==="
awk -F'\t' '
  { key = $1 "\t" $2; runs[key]++
    if ($5 != "none") { reached[key]++; sum[key] += $5; squares[key] += $5 * $5
                        if (!(key in low) || $5 < low[key]) low[key] = $5; if ($5 > high[key]) high[key] = $5 }
    rate_order[$1] = rate_order[$1] ? rate_order[$1] : ++rates_seen }
  END {
    printf "%-14s %-13s %8s %10s %8s %17s\n", "link", "method", "reached", "mean_s", "std_s", "min..max_s"
    for (r in rate_order) order[rate_order[r]] = r
    for (i = 1; i <= rates_seen; i++) {
      rate = order[i]
      for (m = 1; m <= 2; m++) {
        method = m == 1 ? "sync_sgd" : "adaptive_sgd"; key = rate "\t" method
        if (!(key in runs)) continue
        n = reached[key] + 0
        mean[key] = n ? sum[key] / n : 0
        sd = n > 1 ? sqrt((squares[key] - n * mean[key] ^ 2) / (n - 1)) : 0
        printf "%-14s %-13s %4d of %d %10.2f %8.2f %8.2f..%-8.2f\n", rate, method, n, runs[key], mean[key], sd, low[key], high[key]
      }
      s = rate "\tsync_sgd"; a = rate "\tadaptive_sgd"
      if (reached[s] && reached[a]) printf "%-14s adaptive_sgd / sync_sgd, ratio of the means: %.2f (below 1: Adaptive SGD is sooner)\n", rate, mean[a] / mean[s]
    }
  }' "$logs/time_to_target.tsv" | tee "$logs/time_to_target_table.txt"
