#!/usr/bin/env python3
"""Full-batch GCN against Cluster-GCN on a synthetic Amazon2M-shaped graph: peak memory, test accuracy,
time per epoch, and a deeper model under a memory limit.

The graph is the engine's degree-corrected block model resembling Amazon2M (average degree 50.5, 100
features, 47 classes) at --nodes nodes (the full 2,449,029 needs more memory and time than a 2-core
24 GiB machine gives a benchmark). Both methods train the same 3-layer GCN (hidden 128, 128; dropout
0.2; Adam 0.01) for the same number of epochs; Cluster-GCN cuts the graph into clusters of about 133
nodes as the paper does for Amazon2M (2M nodes / 15,000 clusters) and joins 20 per batch. By default it
evaluates exactly, on the whole graph with every edge (an evaluation holds about three layers'
activations at once, not every layer's as a training step does); --eval-clusters-per-batch K scores K
clusters at a time instead, which holds less and loses the edges between evaluation batches. Then a 5-layer model
(hidden 256 x 4) runs under a device memory limit that is --limit-fraction of what full-batch GCN's
3-layer run peaked at: full-batch GCN must fail with the out-of-memory error, Cluster-GCN must train.

Every run is `graph_epoch_bench` (a real run; peak memory by category comes from the device
allocator, time per epoch is the median run-clock time between evaluations after every epoch).

    python3 bench/graph/amazon2m_memory.py [--nodes 200000] [--epochs 30] [--deep-epochs 2]
                                           [--bench build/bench/graph_epoch_bench]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
MIB = 1024.0 * 1024.0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--deep-epochs", type=int, default=2, help="epochs of the 5-layer runs")
    parser.add_argument("--limit-fraction", type=float, default=0.5,
                        help="the deep runs' memory limit as a share of full-batch GCN's peak")
    parser.add_argument("--eval-clusters-per-batch", type=int, default=0,
                        help="clusters Cluster-GCN scores together at evaluation (0: the whole graph)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bench", type=Path, default=REPOSITORY / "build" / "bench" / "graph_epoch_bench")
    return parser.parse_args()


def experiment(args, method, hidden, epochs, memory_limit_gb=None):
    clusters = max(2, round(args.nodes / 133))
    method_section = {"kind": method}
    if method == "cluster_gcn":
        method_section.update({"clusters": clusters, "clusters_per_batch": 20, "partition": "all_nodes",
                               "eval_clusters_per_batch": args.eval_clusters_per_batch})
    device = {"name": "cpu0", "backend": "cpu"}
    if memory_limit_gb is not None:
        device["memory_limit_gb"] = memory_limit_gb
    return {
        "name": f"{method}-amazon2m-synthetic-{args.nodes}",
        "method": method_section,
        "dataset": {"kind": "synthetic_graph", "resembles": "amazon2m", "nodes": args.nodes, "seed": 1},
        "model": {"kind": "gcn", "hidden": hidden, "dropout": 0.2, "loss": "softmax", "normalization": "symmetric"},
        "optimizer": {"kind": "adam", "lr": 0.01},
        "fleet": {"clock": "wall", "devices": [device]},
        "stop": {"max_time_s": 7200, "max_epochs": epochs},
        "eval": {"every_s": 7200, "every_epochs": 1, "metrics": ["accuracy"]},
        "seed": args.seed,
    }


def run(args, scratch, config):
    config_file = scratch / f"{config['name']}-{len(config['model']['hidden'])}.json"
    config_file.write_text(json.dumps(config))
    result = subprocess.run([str(args.bench), str(config_file)], capture_output=True, text=True)
    if not result.stdout.strip():
        sys.exit(f"graph_epoch_bench printed nothing ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout)


def peak(report):
    devices = report.get("peak_memory_bytes", {})
    return next(iter(devices.values())) if devices else {}


def describe(label, report):
    memory = peak(report)
    categories = ", ".join(f"{name} {value / MIB:.1f}" for name, value in memory.items() if name != "total" and value)
    accuracy = report["metrics"].get("accuracy")
    seconds = report.get("seconds_per_epoch")
    print(f"{label}: status {report['status']}, test accuracy {accuracy if accuracy is None else round(accuracy, 4)}, "
          f"{'-' if seconds is None else f'{seconds:.3f}'} s/epoch, setup {report['setup_s']:.2f} s, "
          f"peak {memory.get('total', 0) / MIB:.1f} MiB ({categories})")
    if report.get("error"):
        print(f"    error: {report['error']}")


def main():
    args = parse_arguments()
    if not args.bench.exists():
        sys.exit(f"{args.bench} is missing: build the project first (./scripts/build.sh)")
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        print(f"synthetic Amazon2M-shaped graph, {args.nodes} nodes; 3-layer GCN, {args.epochs} epochs each")
        full = run(args, scratch, experiment(args, "full_batch_gcn", [128, 128], args.epochs))
        describe("full_batch_gcn", full)
        clustered = run(args, scratch, experiment(args, "cluster_gcn", [128, 128], args.epochs))
        describe("cluster_gcn   ", clustered)
        ratio = peak(full)["total"] / peak(clustered)["total"]
        gap = 100 * (clustered["metrics"]["accuracy"] - full["metrics"]["accuracy"])
        print(f"peak memory full-batch / Cluster-GCN = {ratio:.1f}x; test accuracy Cluster-GCN - full-batch = "
              f"{gap:+.2f} points; time per epoch Cluster-GCN / full-batch = "
              f"{clustered['seconds_per_epoch'] / full['seconds_per_epoch']:.2f}")

        limit_gb = args.limit_fraction * peak(full)["total"] / 1e9
        print(f"\n5-layer GCN (hidden 256 x 4), memory_limit_gb = {limit_gb:.4f} "
              f"({args.limit_fraction} of the 3-layer full-batch peak), {args.deep_epochs} epochs")
        deep_full = run(args, scratch, experiment(args, "full_batch_gcn", [256] * 4, args.deep_epochs, limit_gb))
        describe("full_batch_gcn", deep_full)
        deep_clustered = run(args, scratch, experiment(args, "cluster_gcn", [256] * 4, args.deep_epochs, limit_gb))
        describe("cluster_gcn   ", deep_clustered)
        held = deep_full["status"] == "failed" and deep_clustered["status"] == "finished"
        print("the limit holds full-batch GCN and not Cluster-GCN" if held else "NOT SHOWN: see the statuses above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
