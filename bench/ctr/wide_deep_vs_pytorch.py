#!/usr/bin/env python3
"""The Wide & Deep training step of Trainbench's CTR trainer against the same step in PyTorch.

Both train the same model on the same batches from one file: 26 categorical fields with Zipf-distributed
ids (one embedding table per field in PyTorch as nn.EmbeddingBag(sparse=True), one table for all fields in
Trainbench), 13 dense fields, embeddings of `--dim` floats, an MLP on [embeddings | dense fields] plus a
linear part (a first-order weight per id and one per dense field), the logit's sigmoid cross-entropy;
Adagrad (lr 0.05, initial accumulator 0.1, eps 1e-8) on the embedding rows, touching only the rows a batch
looks up, and Adam (lr 1e-3) on the dense part. Both on this machine's CPU with the same thread count.

The two alternate, `--rounds` times, so that drift of a shared machine falls on both; each round times
`--steps` steps after `--warmup`. Prints every round's ms/step and the ratio of the medians.

    python3 bench/ctr/wide_deep_vs_pytorch.py --binary build/bench/wide_deep_step [--rows 400000]
        [--batch 4096] [--vocabulary 100000] [--zipf 1.1] [--dim 16] [--hidden 400,400] [--threads 2]
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch
from torch import nn


def zipf_ids(rng, count, vocabulary, exponent):
    # Inverse CDF of the truncated Zipf law over 1..vocabulary, shifted to 0-based ids.
    weights = 1.0 / np.arange(1, vocabulary + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(count)).astype(np.int32)


def write_data(path, rows, dense_fields, fields, vocabulary, exponent, seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.25).astype(np.float32)
    dense = np.log1p(np.floor(np.exp(rng.normal(1.0, 1.0, size=(rows, dense_fields))))).astype(np.float32)
    ids = np.stack([zipf_ids(rng, rows, vocabulary, exponent) for _ in range(fields)], axis=1)
    with open(path, "wb") as out:
        np.array([rows, dense_fields, fields, vocabulary], dtype=np.int64).tofile(out)
        labels.tofile(out)
        dense.tofile(out)
        ids.astype(np.int32).tofile(out)
    return labels, dense, ids


class WideDeep(nn.Module):
    def __init__(self, fields, vocabulary, dim, dense_fields, hidden):
        super().__init__()
        rows = fields * vocabulary
        self.fields = fields
        self.embeddings = nn.EmbeddingBag(rows, dim, mode="sum", sparse=True)
        self.first_order = nn.EmbeddingBag(rows, 1, mode="sum", sparse=True)
        nn.init.uniform_(self.embeddings.weight, -0.01, 0.01)
        nn.init.uniform_(self.first_order.weight, -0.01, 0.01)
        self.dense_linear = nn.Linear(dense_fields, 1)
        layers, width = [], fields * dim + dense_fields
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.deep = nn.Sequential(*layers)

    def forward(self, ids, dense):
        batch = ids.shape[0]
        flat = ids.reshape(-1)
        per_field = torch.arange(0, batch * self.fields, dtype=torch.int64)
        per_row = torch.arange(0, batch * self.fields, self.fields, dtype=torch.int64)
        embedded = self.embeddings(flat, per_field).reshape(batch, -1)
        x0 = torch.cat([embedded, dense], dim=1)
        return (self.deep(x0) + self.first_order(flat, per_row) + self.dense_linear(dense)).squeeze(1)


def torch_round(model, optimizers, labels, dense, ids, offset_ids, batch, warmup, steps):
    loss_fn = nn.BCEWithLogitsLoss()

    def step(b):
        rows = slice(b * batch, (b + 1) * batch)
        logits = model(offset_ids[rows], dense[rows])
        loss = loss_fn(logits, labels[rows])
        for o in optimizers:
            o.zero_grad(set_to_none=True)
        loss.backward()
        for o in optimizers:
            o.step()
        return loss

    for b in range(warmup):
        step(b)
    started = time.perf_counter()
    for b in range(warmup, warmup + steps):
        step(b)
    return (time.perf_counter() - started) * 1e3 / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the built wide_deep_step")
    parser.add_argument("--rows", type=int, default=250000)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--vocabulary", type=int, default=100000)
    parser.add_argument("--fields", type=int, default=26)
    parser.add_argument("--zipf", type=float, default=1.1)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--hidden", default="400,400")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    hidden = [int(h) for h in args.hidden.split(",")]
    if (args.warmup + args.steps) * args.batch > args.rows:
        parser.error("--rows must cover (warmup + steps) x batch")
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "clicks.bin")
        labels, dense, ids = write_data(path, args.rows, 13, args.fields, args.vocabulary, args.zipf, seed=1)
        offset_ids = torch.from_numpy(ids.astype(np.int64) + np.arange(args.fields, dtype=np.int64) * args.vocabulary)
        labels_t, dense_t = torch.from_numpy(labels), torch.from_numpy(dense)
        model = WideDeep(args.fields, args.vocabulary, args.dim, 13, hidden)
        sparse = [model.embeddings.weight, model.first_order.weight]
        dense_parameters = [p for n, p in model.named_parameters() if not n.startswith(("embeddings", "first_order"))]
        optimizers = [torch.optim.Adagrad(sparse, lr=0.05, initial_accumulator_value=0.1, eps=1e-8),
                      torch.optim.Adam(dense_parameters, lr=1e-3)]
        command = [args.binary, "--data", path, "--batch", str(args.batch), "--dim", str(args.dim), "--hidden",
                   args.hidden, "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(args.threads)]
        ours, theirs = [], []
        for round_index in range(args.rounds):
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            ours.append(float(output.split("ms_per_step")[1].split()[0]))
            theirs.append(torch_round(model, optimizers, labels_t, dense_t, ids, offset_ids, args.batch, args.warmup, args.steps))
            print(f"round {round_index + 1}: trainbench {ours[-1]:.2f} ms/step, pytorch {theirs[-1]:.2f} ms/step", flush=True)
        print(f"\nbatch {args.batch}, {args.fields} fields x {args.vocabulary} ids (Zipf {args.zipf}), dim {args.dim}, "
              f"hidden {args.hidden}, {args.threads} threads, torch {torch.__version__}")
        print(f"median ms/step: trainbench {statistics.median(ours):.2f}, pytorch {statistics.median(theirs):.2f}; "
              f"pytorch / trainbench = {statistics.median(theirs) / statistics.median(ours):.2f}")


if __name__ == "__main__":
    main()
