#!/usr/bin/env bash
# Everything the CUDA issue asks to show, on a machine with an NVIDIA GPU, in one go:
#   1. build with TB_CUDA=ON and list the GPUs (trainbench-cli devices)
#   2. the GPU tests: conformance suite (whole GPU and a green-context partition), green-context
#      partitions (disjoint, GEMM rate following the SM share), NCCL weighted all-reduce, backend extras
#   3. a sparse MLP trained on the GPU reaches the CPU's P@1 within 0.01 (same config, same seed)
#   4. Adaptive SGD vs sync_sgd on a green-context fleet of 64 + 32 + 16 + 16 SMs, wall clock, and what
#      one merge and one gradient all-reduce cost there, in GPU memory and through the host
#   5. training throughput on the Delicious-200K and Amazon-670K shapes against PyTorch, and the
#      output-layer GEMM against cuBLAS's measured peak (PyTorch part skipped when torch is missing)
#   6. graph networks on the GPU: gcn_cora's test accuracy on cuda against the CPU's (within 0.01), and
#      cluster_gcn_amazon2m_synthetic on both, with run clock and peak memory by category
#   7. the GNTK Gram matrix on the GPU (gntk_svm, double precision): a generated collection of 1,000
#      graphs of 40 nodes and MUTAG (where its data came along) on cpu and cuda, the same accuracy and
#      the Gram matrix's run-clock time on each
#   8. distributed runs: sync_sgd on 2 ranks with a CUDA device each against one process (NCCL across
#      the ranks where there are two GPUs, host memory and MPI on one); skipped without Open MPI
# Usage: bench/gpu/run_gpu_must_show.sh [OUTPUT_DIR]   (default: bench-gpu-results)
# Before a device call: ../shared/device-kit/prepare.sh and bench/gpu/fetch_extra_packages.sh (METIS and
# LIBSVM, which the kit lacks); the call carries [".device-kit", ".device-extra"].
# Every step's full output is kept in OUTPUT_DIR; a summary is printed at the end and written to
# OUTPUT_DIR/summary.txt for bench/RESULTS.md.
set -u
cd "$(dirname "$0")/../.."
out="${1:-bench-gpu-results}"
build="${TB_GPU_BUILD_DIR:-build-gpu}"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }

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

note "== 1. build and devices"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_GUI=OFF -DTB_CUDA=ON > "$out/configure.log" 2>&1 \
  || { note "configure failed: see $out/configure.log"; exit 1; }
ninja -C "$build" trainbench-cli cuda_training_throughput fleet_combine_bench test_cuda_backend \
  test_cuda_conformance test_green_context_partition test_nccl_communicator_group test_device_merge \
  > "$out/build.log" 2>&1 \
  || { note "build failed: see $out/build.log"; exit 1; }
"$build/app/trainbench-cli" devices | tee -a "$summary"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/nvidia-smi: /' | tee -a "$summary"

note "== 2. GPU tests"
(cd "$build" && ctest -L gpu --output-on-failure -V) > "$out/ctest_gpu.log" 2>&1
note "ctest -L gpu exit status $? (details: $out/ctest_gpu.log)"
grep -E "^(PASS|FAIL|SKIP)|QINFO|Totals" "$out/ctest_gpu.log" | sed 's/^[0-9]*: //' >> "$summary"

note "== 3. P@1 parity, CPU vs GPU"
for backend in cpu cuda; do
  "$build/app/trainbench-cli" run bench/gpu/configs/parity_$backend.json --db "$out/runs.sqlite" \
    --summary-json "$out/parity_$backend.json" > "$out/parity_$backend.log" 2>&1
  note "parity run on $backend: exit status $?"
done
python3 - "$out" <<'PY' | tee -a "$summary"
import json, sys
out = sys.argv[1]
try:
    cpu = json.load(open(f"{out}/parity_cpu.json"))["metrics"]["p@1"]
    gpu = json.load(open(f"{out}/parity_cuda.json"))["metrics"]["p@1"]
    print(f"final P@1: cpu {cpu:.4f}, cuda {gpu:.4f}, difference {abs(cpu - gpu):.4f} "
          f"({'within' if abs(cpu - gpu) <= 0.01 else 'NOT within'} 0.01)")
except Exception as error:
    print(f"parity summaries unreadable: {error}")
PY

note "== 4. Adaptive SGD vs sync_sgd on a green-context fleet (64 + 32 + 16 + 16 SMs)"
for method in adaptive_sgd sync_sgd; do
  "$build/app/trainbench-cli" run bench/gpu/configs/green_fleet_$method.json --db "$out/runs.sqlite" \
    --summary-json "$out/green_fleet_$method.json" > "$out/green_fleet_$method.log" 2>&1
  note "green fleet $method: exit status $?"
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
"$build/bench/fleet_combine_bench" --backend cuda --workers 4 --repeats 10 | tee "$out/fleet_combine.log" \
  | tee -a "$summary"

note "== 5. throughput against PyTorch"
"$build/bench/cuda_training_throughput" --steps 50 | tee "$out/trainbench_throughput.log" | tee -a "$summary"
if python3 -c "import torch" 2>/dev/null; then
  python3 bench/gpu/pytorch_sparse_mlp.py --steps 50 | tee "$out/pytorch_throughput.log" | tee -a "$summary"
  python3 - "$out" <<'PY' | tee -a "$summary"
import re, sys
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
        line += f", pytorch {float(theirs[shape]['samples_per_s']):.0f} samples/s, ratio {ratio:.2f}x (target >= 1.0x)"
    line += f"; output-layer GEMM {float(row['output_gemm_gflops']):.0f} GFLOP/s = {100 * share:.0f}% of cuBLAS peak {float(row['cublas_peak_gflops']):.0f} (target >= 60%)"
    print(line)
PY
else
  note "PyTorch is not installed here: run bench/gpu/pytorch_sparse_mlp.py on this GPU where it is"
fi
note "== 6. graph networks on the GPU"
gpu_device='[{"name": "gpu0", "backend": "cuda", "gpu_index": 0}]'
for preset in gcn_cora cluster_gcn_amazon2m_synthetic; do
  for backend in cpu cuda; do
    extra=()
    [ "$backend" = cuda ] && extra=(--set "fleet.devices=$gpu_device")
    "$build/app/trainbench-cli" run "$preset" "${extra[@]}" --db "$out/runs.sqlite" \
      --summary-json "$out/${preset}_$backend.json" > "$out/${preset}_$backend.log" 2>&1
    note "$preset on $backend: exit status $?"
  done
done
python3 bench/gpu/compare_cpu_cuda_runs.py "$out" gcn_cora cluster_gcn_amazon2m_synthetic | tee -a "$summary"
note "== 7. GNTK Gram matrix on the GPU"
gntk_synthetic='{"name": "gntk-synthetic-1000x40", "method": {"kind": "gntk_svm", "blocks": 2, "mlp_layers": 2, "c_count": 30, "nodes_per_block": 4096},
  "dataset": {"kind": "synthetic_graphs", "graphs": 1000, "nodes_per_graph": 40},
  "fleet": {"devices": [{"name": "cpu0", "backend": "cpu"}]}, "stop": {"max_time_s": 600}}'
echo "$gntk_synthetic" > "$out/gntk_synthetic.json"
for backend in cpu cuda; do
  extra=()
  [ "$backend" = cuda ] && extra=(--set "fleet.devices=$gpu_device")
  "$build/app/trainbench-cli" run "$out/gntk_synthetic.json" "${extra[@]}" --db "$out/runs.sqlite" \
    --summary-json "$out/gntk_synthetic_$backend.json" > "$out/gntk_synthetic_$backend.log" 2>&1
  note "gntk_svm synthetic on $backend: exit status $?; $(grep -h 'Gram matrix of' "$out/gntk_synthetic_$backend.log")"
  "$build/app/trainbench-cli" run gntk_svm_mutag "${extra[@]}" --db "$out/runs.sqlite" \
    --summary-json "$out/gntk_mutag_$backend.json" > "$out/gntk_mutag_$backend.log" 2>&1
  note "gntk_svm_mutag on $backend: exit status $?; $(grep -h 'Gram matrix of' "$out/gntk_mutag_$backend.log")"
done
python3 bench/gpu/compare_cpu_cuda_runs.py "$out" gntk_synthetic gntk_mutag | tee -a "$summary"
note "== 8. distributed runs on the GPU (trainbench-cli run --distributed under mpirun)"
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
    "${launcher[@]}" "$build/app/trainbench-cli" run sparse_mlp_synthetic --set method.kind=sync_sgd \
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
note "done: $summary"
