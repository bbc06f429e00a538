#!/usr/bin/env python3
"""PyTorch's training throughput for the sparse MLP on the Delicious-200K and Amazon-670K shapes.

The model is the one Trainbench trains: sparse input -> 128 hidden (ReLU) -> one output per label,
softmax cross-entropy against the normalized label vector, SGD with momentum 0.9, batch 256. PyTorch
runs it the way a PyTorch user writes it: the batch as a torch.sparse CSR tensor times a dense weight
(torch.sparse.mm), nn.Linear for the output layer, F.cross_entropy with probability targets.

Batches are generated on the host before timing with each shape's mean non-zeros and labels per row
(the same means as core/data/synthetic_xmlc.cpp; columns here are uniform rather than power-law,
which changes which weight rows a batch touches but not how many flops or bytes a step costs), moved
to the GPU, and a step ends with loss.item(), which synchronizes as the engine's loss read-back does.

Prints one line per shape: "PYTORCH shape=... samples_per_s=... output_gemm_gflops=..." plus the
square-SGEMM peak that torch.matmul (cuBLAS) reaches on this GPU, for bench/gpu/run_gpu_must_show.sh.
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

SHAPES = {
    # name: (features, labels, mean non-zeros per row, mean labels per row)
    "delicious-200k": (782_585, 205_443, 301.0, 75.54),
    "amazon-670k": (135_909, 670_091, 76.0, 5.45),
}
HIDDEN = 128


def random_batch(rng, batch, features, labels, mean_nnz, mean_labels, device):
    """A CSR batch and its normalized dense target on the device."""
    counts = np.maximum(1, rng.poisson(mean_nnz, batch))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    columns = np.concatenate([np.sort(rng.choice(features, c, replace=False)) for c in counts]).astype(np.int64)
    values = rng.random(columns.size, dtype=np.float32) + 0.5
    x = torch.sparse_csr_tensor(torch.from_numpy(offsets), torch.from_numpy(columns), torch.from_numpy(values),
                                size=(batch, features)).to(device)
    label_counts = np.maximum(1, rng.poisson(mean_labels, batch))
    target = torch.zeros(batch, labels)
    for row, count in enumerate(label_counts):
        target[row, torch.from_numpy(rng.choice(labels, count, replace=False))] = 1.0 / count
    return x, target.to(device)


def gemm_gflops(m, n, k, repetitions, device):
    a = torch.full((m, k), 0.01, device=device)
    b = torch.full((k, n), 0.02, device=device)
    torch.matmul(a, b)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repetitions):
        torch.matmul(a, b)
    torch.cuda.synchronize()
    return 2.0 * m * n * k * repetitions / (time.perf_counter() - start) / 1e9


def training_samples_per_s(shape, batch, steps, device, seed):
    features, labels, mean_nnz, mean_labels = SHAPES[shape]
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    hidden_weight = torch.nn.Parameter(torch.randn(features, HIDDEN, device=device) * (1.0 / np.sqrt(mean_nnz)))
    hidden_bias = torch.nn.Parameter(torch.zeros(HIDDEN, device=device))
    output = torch.nn.Linear(HIDDEN, labels).to(device)
    parameters = [hidden_weight, hidden_bias, *output.parameters()]
    optimizer = torch.optim.SGD(parameters, lr=0.1, momentum=0.9)
    warmup = 3
    batches = [random_batch(rng, batch, features, labels, mean_nnz, mean_labels, device)
               for _ in range(warmup + steps)]

    def step(x, target):
        optimizer.zero_grad(set_to_none=True)
        hidden = F.relu(torch.sparse.mm(x, hidden_weight) + hidden_bias)
        loss = F.cross_entropy(output(hidden), target, reduction="sum")
        loss.backward()
        optimizer.step()
        return loss.item()

    for x, target in batches[:warmup]:
        step(x, target)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for x, target in batches[warmup:]:
        step(x, target)
    return batch * steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls (default: strict FP32)")
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no GPU found: torch.cuda.is_available() is False")
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    device = torch.device("cuda:0")
    print(f"PyTorch {torch.__version__}, GPU {torch.cuda.get_device_name(0)}, {'TF32' if args.tf32 else 'FP32'} GEMMs")
    peak = max(gemm_gflops(size, size, size, 10, device) for size in (4096, 8192))
    for shape in args.shapes:
        labels = SHAPES[shape][1]
        output_gemm = gemm_gflops(args.batch, labels, HIDDEN, 20, device)
        samples_per_s = training_samples_per_s(shape, args.batch, args.steps, device, seed=7)
        print(f"PYTORCH shape={shape} batch={args.batch} labels={labels} samples_per_s={samples_per_s:.1f} "
              f"output_gemm_gflops={output_gemm:.1f} cublas_peak_gflops={peak:.1f}", flush=True)


if __name__ == "__main__":
    main()
