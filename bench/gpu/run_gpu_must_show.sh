#!/usr/bin/env bash
# Everything the CUDA issue asks to show, on a machine with an NVIDIA GPU, in one go, most important
# first, within a time budget (TB_GPU_BUDGET_S, default 450 s, build included: the device call gives the
# script 480 s). Every step prints its figures as it measures them and writes its files as it goes, and
# each runs under a timeout cut to what the budget has left, so a call cut short still returns what ran:
#   1. build (TB_WARNINGS_AS_ERRORS off: the machine's compiler may warn where ours does not) and list
#      the GPUs
#   2. the GPU tests: conformance suite (whole GPU and a green-context partition), green-context
#      partitions, NCCL, device merges, the embedding store's GPU cache and the CTR trainer on the GPU
#   3. a sparse MLP trained on the GPU reaches the CPU's P@1 within 0.01 (same config, same seed; the two
#      runs side by side, the CPU's on the cores and the GPU's on the GPU)
#   4. training throughput on the Delicious-200K and Amazon-670K shapes against PyTorch, and the
#      output-layer GEMM against cuBLAS's measured peak (PyTorch part skipped when torch is missing)
#   5. Adaptive SGD vs sync_sgd on a green-context fleet of 64 + 32 + 16 + 16 SMs, wall clock (60 s each),
#      and what one merge and one gradient all-reduce cost there, in GPU memory and through the host
#   6. the CTR trainer on the GPU: the pipelined GPU cache against the parameter server and all-on-device
#      (rows crossing PCIe)
#   7. graph networks on the GPU: gcn_cora's test accuracy on cuda against the CPU's (within 0.01), and
#      cluster_gcn_amazon2m_synthetic on both, with run clock and peak memory by category
#   8. the GNTK Gram matrix on the GPU (gntk_svm, double precision) on cpu and cuda
#   9. distributed runs: sync_sgd on 2 ranks with a CUDA device each against one process; skipped
#      without Open MPI
# Usage: bench/gpu/run_gpu_must_show.sh [OUTPUT_DIR]   (default: bench-gpu-results)
# Before a device call: ../shared/device-kit/prepare.sh and bench/gpu/fetch_extra_packages.sh (METIS and
# LIBSVM, which the kit lacks); the call carries [".device-kit", ".device-extra"]. The kit's CMake
# arguments (TB_DEVICE_CMAKE_ARGS) are passed on when set.
# Every step's full output is kept in OUTPUT_DIR; the summary is printed as it grows and written to
# OUTPUT_DIR/summary.txt for bench/RESULTS.md.
set -u
cd "$(dirname "$0")/../.."
out="${1:-bench-gpu-results}"
build="${TB_GPU_BUILD_DIR:-build-gpu}"
budget="${TB_GPU_BUDGET_S:-450}"
start=$SECONDS
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }
left() { echo $(( budget - (SECONDS - start) )); }
# A step's timeout: CAP seconds, or less when the budget has less left (5 s kept for the end).
within() {
  local cap=$1 rest=$(( $(left) - 5 ))
  [ "$rest" -lt "$cap" ] && cap=$rest
  [ "$cap" -lt 1 ] && cap=1
  echo "$cap"
}
# Whether a step that needs about NEED seconds still fits; says so when it does not.
fits() {
  [ "$(left)" -ge "$1" ] && return 0
  note "skipped: $2 needs about $1 s and $(left) s of the budget are left"
  return 1
}
step() { note "== $* ($(( SECONDS - start )) s into the check)"; }

# METIS, LIBSVM, matio and LAPACKE from .device-extra/ (bench/gpu/fetch_extra_packages.sh), where the machine lacks them.
if [ -d .device-extra ] && ls .device-extra/*.deb > /dev/null 2>&1; then
  extra=/tmp/tb-device-extra
  mkdir -p "$extra"
  for deb in .device-extra/*.deb; do
    if command -v dpkg-deb > /dev/null; then
      dpkg-deb -x "$deb" "$extra"
    else
      python3 - "$deb" "$extra" <<'PYTHON'
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
position = 8  # after "!<arch>\n": 60-byte member headers, members padded to even sizes
while position < len(data):
    name = data[position:position + 16].decode().strip().rstrip("/")
    size = int(data[position + 48:position + 58].decode().strip())
    body = data[position + 60:position + 60 + size]
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    position += 60 + size + (size % 2)
PYTHON
    fi
  done
  export CMAKE_INCLUDE_PATH="$extra/usr/include${CMAKE_INCLUDE_PATH:+:$CMAKE_INCLUDE_PATH}"
  export CMAKE_LIBRARY_PATH="$extra/usr/lib/x86_64-linux-gnu${CMAKE_LIBRARY_PATH:+:$CMAKE_LIBRARY_PATH}"
  export LD_LIBRARY_PATH="$extra/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

step "1. build and devices"
# shellcheck disable=SC2086  # TB_DEVICE_CMAKE_ARGS is a list of arguments
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_GUI=OFF -DTB_CUDA=ON -DTB_WARNINGS_AS_ERRORS=OFF \
  ${TB_DEVICE_CMAKE_ARGS:-} > "$out/configure.log" 2>&1 \
  || { note "configure failed: see $out/configure.log"; tail -20 "$out/configure.log"; exit 1; }
ninja -C "$build" trainbench-cli cuda_training_throughput fleet_combine_bench ctr_step_bench test_cuda_backend \
  test_cuda_conformance test_green_context_partition test_nccl_communicator_group test_device_merge \
  test_cuda_embedding_store > "$out/build.log" 2>&1 \
  || { note "build failed: see $out/build.log"; grep -m 20 -E "error|Error" "$out/build.log"; exit 1; }
note "built in $(( SECONDS - start )) s"
"$build/app/trainbench-cli" devices | tee -a "$summary"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/nvidia-smi: /' | tee -a "$summary"

step "2. GPU tests"
(cd "$build" && timeout "$(within 150)" ctest -L gpu --output-on-failure -V) > "$out/ctest_gpu.log" 2>&1
note "ctest -L gpu exit status $? (details: $out/ctest_gpu.log)"
grep -E "^(PASS|FAIL|SKIP)|QINFO|Totals|Test +#" "$out/ctest_gpu.log" | sed 's/^[0-9]*: //' | tee -a "$summary"

step "3. P@1 parity, CPU vs GPU"
if fits 30 "the parity runs"; then
  # Side by side: the CPU's run on the cores, the GPU's on the GPU; both stop at 10 epochs.
  parity_timeout=$(within 120)
  for backend in cpu cuda; do
    timeout "$parity_timeout" "$build/app/trainbench-cli" run bench/gpu/configs/parity_$backend.json \
      --db "$out/parity_$backend.sqlite" --summary-json "$out/parity_$backend.json" > "$out/parity_$backend.log" 2>&1 &
  done
  wait
  python3 - "$out" <<'PY' | tee -a "$summary"
import json, sys
out = sys.argv[1]
runs = {}
for backend in ("cpu", "cuda"):
    try:
        run = json.load(open(f"{out}/parity_{backend}.json"))
    except Exception as error:
        print(f"parity run on {backend}: no summary ({error})")
        continue
    print(f"parity run on {backend}: {run.get('status')}, P@1 {run.get('metrics', {}).get('p@1')}, "
          f"epochs {run.get('epochs')}, wall {run.get('wall_s')} s" + (f", error: {run['error']}" if run.get("error") else ""))
    if "p@1" in run.get("metrics", {}):
        runs[backend] = run["metrics"]["p@1"]
if len(runs) == 2:
    difference = abs(runs["cpu"] - runs["cuda"])
    print(f"final P@1: cpu {runs['cpu']:.4f}, cuda {runs['cuda']:.4f}, difference {difference:.4f} "
          f"({'within' if difference <= 0.01 else 'NOT within'} 0.01)")
PY
fi

step "4. throughput against PyTorch"
if fits 40 "the throughput comparison"; then
  timeout "$(within 100)" "$build/bench/cuda_training_throughput" --steps 50 | tee "$out/trainbench_throughput.log" | tee -a "$summary"
  if python3 -c "import torch" 2>/dev/null; then
    timeout "$(within 100)" python3 bench/gpu/pytorch_sparse_mlp.py --steps 50 | tee "$out/pytorch_throughput.log" | tee -a "$summary"
    python3 - "$out" <<'PY' | tee -a "$summary"
import sys
out = sys.argv[1]
def results(path, tag):
  rows = {}
  for line in open(path):
      if line.startswith(tag):
          fields = dict(item.split("=", 1) for item in line.split()[1:])
          rows[fields["shape"]] = fields
  return rows
ours = results(f"{out}/trainbench_throughput.log", "RESULT")
theirs = results(f"{out}/pytorch_throughput.log", "PYTORCH")
for shape, row in ours.items():
  share = float(row["output_gemm_share"])
  line = f"{shape}: trainbench {float(row['samples_per_s']):.0f} samples/s"
  if shape in theirs:
      ratio = float(row["samples_per_s"]) / float(theirs[shape]["samples_per_s"])
      line += f", pytorch {float(theirs[shape]['samples_per_s']):.0f} samples/s, ratio {ratio:.2f}x (target >= 1.5x)"
  line += f"; output-layer GEMM {float(row['output_gemm_gflops']):.0f} GFLOP/s = {100 * share:.0f}% of cuBLAS peak {float(row['cublas_peak_gflops']):.0f} (target >= 60%)"
  print(line)
PY
  else
    note "PyTorch is not installed here: run bench/gpu/pytorch_sparse_mlp.py on this GPU where it is"
  fi
fi

step "5. Adaptive SGD vs sync_sgd on a green-context fleet (64 + 32 + 16 + 16 SMs)"
if fits 90 "the green-context fleet runs"; then
  fleet_seconds=$(( ($(left) - 60) / 2 )); [ "$fleet_seconds" -gt 60 ] && fleet_seconds=60
  for method in adaptive_sgd sync_sgd; do
    timeout "$(within $(( fleet_seconds + 25 )))" "$build/app/trainbench-cli" run bench/gpu/configs/green_fleet_$method.json \
      --set "stop.max_time_s=$fleet_seconds" --db "$out/runs.sqlite" --summary-json "$out/green_fleet_$method.json" \
      > "$out/green_fleet_$method.log" 2>&1
    note "green fleet $method ($fleet_seconds s at most): exit status $?"
  done
  python3 - "$out" <<'PY' | tee -a "$summary"
import json, sys
out = sys.argv[1]
for method in ("adaptive_sgd", "sync_sgd"):
    try:
        summary = json.load(open(f"{out}/green_fleet_{method}.json"))
        print(f"{method}: time to target {summary.get('time_to_target_s')} s, final P@1 {summary['metrics'].get('p@1')}")
    except Exception as error:
        print(f"{method}: summary unreadable: {error}")
PY
  note "per-worker throughput and batch sizes: trainbench-cli runs show <id> --db $out/runs.sqlite (device_samples)"
  "$build/app/trainbench-cli" runs list --db "$out/runs.sqlite" >> "$summary" 2>&1
  note "routes the green fleet's runs logged (expected: in place, in the memory of cuda:0)"
  grep -h -E "model merges:|gradient all-reduce:" "$out"/green_fleet_*.log | sort -u | tee -a "$summary"
  timeout "$(within 30)" "$build/bench/fleet_combine_bench" --backend cuda --workers 4 --repeats 10 \
    | tee "$out/fleet_combine.log" | tee -a "$summary"
fi

step "6. the CTR trainer on the GPU: a GPU cache of hot rows against the parameter server and all-on-device"
if fits 40 "the CTR step bench"; then
  timeout "$(within 90)" "$build/bench/ctr_step_bench" --device cuda:0 --rows 200000 --repeats 1 \
    | tee "$out/ctr_step_gpu.log" | tee -a "$summary"
fi

step "7. graph networks on the GPU"
gpu_device='[{"name": "gpu0", "backend": "cuda", "gpu_index": 0}]'
if fits 40 "the graph network runs"; then
  for preset in gcn_cora cluster_gcn_amazon2m_synthetic; do
    for backend in cpu cuda; do
      extra=()
      [ "$backend" = cuda ] && extra=(--set "fleet.devices=$gpu_device")
      timeout "$(within 120)" "$build/app/trainbench-cli" run "$preset" "${extra[@]}" --db "$out/runs.sqlite" \
        --summary-json "$out/${preset}_$backend.json" > "$out/${preset}_$backend.log" 2>&1
      note "$preset on $backend: exit status $?"
    done
  done
  python3 bench/gpu/compare_cpu_cuda_runs.py "$out" gcn_cora cluster_gcn_amazon2m_synthetic | tee -a "$summary"
fi
step "8. GNTK Gram matrix on the GPU"
if fits 40 "the GNTK runs"; then
  gntk_synthetic='{"name": "gntk-synthetic-1000x40", "method": {"kind": "gntk_svm", "blocks": 2, "mlp_layers": 2, "c_count": 30, "nodes_per_block": 4096},
    "dataset": {"kind": "synthetic_graphs", "graphs": 1000, "nodes_per_graph": 40},
    "fleet": {"devices": [{"name": "cpu0", "backend": "cpu"}]}, "stop": {"max_time_s": 600}}'
  echo "$gntk_synthetic" > "$out/gntk_synthetic.json"
  for backend in cpu cuda; do
    extra=()
    [ "$backend" = cuda ] && extra=(--set "fleet.devices=$gpu_device")
    timeout "$(within 120)" "$build/app/trainbench-cli" run "$out/gntk_synthetic.json" "${extra[@]}" --db "$out/runs.sqlite" \
      --summary-json "$out/gntk_synthetic_$backend.json" > "$out/gntk_synthetic_$backend.log" 2>&1
    note "gntk_svm synthetic on $backend: exit status $?; $(grep -h 'Gram matrix of' "$out/gntk_synthetic_$backend.log")"
    timeout "$(within 60)" "$build/app/trainbench-cli" run gntk_svm_mutag "${extra[@]}" --db "$out/runs.sqlite" \
      --summary-json "$out/gntk_mutag_$backend.json" > "$out/gntk_mutag_$backend.log" 2>&1
    note "gntk_svm_mutag on $backend: exit status $?; $(grep -h 'Gram matrix of' "$out/gntk_mutag_$backend.log")"
  done
  python3 bench/gpu/compare_cpu_cuda_runs.py "$out" gntk_synthetic gntk_mutag | tee -a "$summary"
fi
step "9. distributed runs on the GPU (trainbench-cli run --distributed under mpirun)"
if fits 30 "the distributed runs"; then
  # trainbench-cli links the distributed library only where the build found MPI.
  if ! command -v mpirun > /dev/null || [ ! -f "$build/distributed/libtb_distributed.a" ]; then
    note "skipped: this machine has no Open MPI (mpirun and libopenmpi-dev), so the build has no distributed runs"
  else
    gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | wc -l)
    mpi_root=(); [ "$(id -u)" = 0 ] && mpi_root=(--allow-run-as-root)
    export OMPI_MCA_btl_vader_single_copy_mechanism=none
    # Two ranks, each with one CUDA device. On one GPU both ranks share it: NCCL takes one rank per GPU,
    # so the ranks combine through host memory and MPI; on two GPUs NCCL joins them.
    second_gpu=0; [ "$gpus" -ge 2 ] && second_gpu=1
    devices="[{\"name\": \"g0\", \"backend\": \"cuda\", \"gpu_index\": 0}, {\"name\": \"g1\", \"backend\": \"cuda\", \"gpu_index\": $second_gpu}]"
    for mode in alone ranks; do
      launcher=(); extra=()
      [ "$mode" = ranks ] && launcher=(mpirun "${mpi_root[@]}" --oversubscribe -np 2) && extra=(--distributed)
      timeout "$(within 60)" "${launcher[@]}" "$build/app/trainbench-cli" run sparse_mlp_synthetic --set method.kind=sync_sgd \
        --set method.batch_size=256 --set stop.max_epochs=2 --set "fleet.devices=$devices" "${extra[@]}" \
        --no-store --save-model "$out/distributed_$mode.bin" --summary-json "$out/distributed_$mode.json" \
        > "$out/distributed_$mode.log" 2>&1
      note "sync_sgd on 2 CUDA devices, $mode: exit status $?; $(grep -h 'gradient all-reduce:' "$out/distributed_$mode.log" | head -1)"
    done
    python3 - "$out" <<'PY' | tee -a "$summary"
import struct, sys
out = sys.argv[1]
try:
    a = open(f"{out}/distributed_alone.bin", "rb").read()
    b = open(f"{out}/distributed_ranks.bin", "rb").read()
    x = struct.unpack(f"{len(a) // 4}f", a)
    y = struct.unpack(f"{len(b) // 4}f", b)
    largest = max(abs(v) for v in x)
    difference = max(abs(u - v) for u, v in zip(x, y)) if len(x) == len(y) else float("inf")
    print(f"final model, 2 ranks against one process: largest difference {difference:.3g}, "
          f"{difference / largest:.3g} of the largest parameter "
          f"({'within' if difference <= 1e-5 * largest else 'NOT within'} 1e-5: the GPU sums in float, in another order)")
except Exception as error:
    print(f"distributed models unreadable: {error}")
PY
    [ "$gpus" -lt 2 ] && note "NCCL across ranks: not exercised, this machine has $gpus GPU (NCCL takes one rank per GPU)"
  fi
fi
note "done in $(( SECONDS - start )) s: $summary"
