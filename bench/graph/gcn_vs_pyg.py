#!/usr/bin/env python3
"""GCN and Cluster-GCN training epochs on the CPU: Trainbench against PyTorch Geometric, alternated.

Both sides train the same model on the same graph with the same hyperparameters: GCNConv layers
(symmetric normalization with self-loops, bias, ReLU, dropout), softmax cross-entropy on the training
nodes, Adam. Full-batch GCN trains on the whole graph every step, normalized once (GCNConv's cached=True
on the PyG side). Cluster-GCN reads the partition that Trainbench's METIS run writes
(method.partition_file), so both sides cut the graph into the same clusters; every step joins q random
clusters with the edges between them restored (PyG: ClusterData over that partition and ClusterLoader),
normalizes the batch's graph again and trains on its training nodes.

A round runs Trainbench's `graph_epoch_bench` (a real run, evaluating after every epoch; the run clock
leaves evaluation out) and then PyG's epochs in this process, timed without evaluation; the next round
runs them the other way round. Each side's figure for a round is the median time per epoch within it;
the script prints the median over rounds and the ratio PyG / Trainbench (above 1: Trainbench is
faster). The machine is shared, so only the ratio within one run of this script means much.

    python3 bench/graph/gcn_vs_pyg.py [--graph cora|amazon2m_synthetic] [--nodes N] [--rounds 5]
                                      [--epochs 10] [--threads 2] [--bench build/bench/graph_epoch_bench]

Exits 0 with a message when torch or torch_geometric is not installed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", choices=["cora", "amazon2m_synthetic"], default="cora")
    parser.add_argument("--nodes", type=int, default=100_000, help="nodes of the synthetic graph")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per round and side")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads of both sides")
    parser.add_argument("--methods", default="full_batch_gcn,cluster_gcn")
    parser.add_argument("--pyg-adjacency", choices=["edge_index", "csr"], default="csr",
                        help="what PyG's GCNConv reads: the edge list (messages per edge) or a torch.sparse CSR "
                             "adjacency (sparse-dense products, PyG's advice for large graphs); cluster batches "
                             "are converted inside the timed epoch")
    parser.add_argument("--bench", type=Path, default=REPOSITORY / "build" / "bench" / "graph_epoch_bench")
    return parser.parse_args()


def experiment(args, method, partition_file):
    """The Trainbench config of one case; the PyG side reads its shapes and hyperparameters from it."""
    if args.graph == "cora":
        dataset = {"kind": "ogb_node", "folder": str(REPOSITORY.parent / "shared" / "data" / "graphs" / "cora"),
                   "split": "planetoid", "normalize_features": True}
        model = {"kind": "gcn", "hidden": [16], "dropout": 0.5}
        optimizer = {"kind": "adam", "lr": 0.01, "weight_decay": 0.0005}
        clusters, clusters_per_batch = 16, 4
    else:
        dataset = {"kind": "synthetic_graph", "resembles": "amazon2m", "nodes": args.nodes, "seed": 1}
        model = {"kind": "gcn", "hidden": [128, 128], "dropout": 0.2}
        optimizer = {"kind": "adam", "lr": 0.01}
        # The paper's Amazon2M clusters hold about 2M / 15,000 = 133 nodes, 20 to a batch.
        clusters, clusters_per_batch = max(2, round(args.nodes / 133)), 20
    model.update({"loss": "softmax", "normalization": "symmetric"})
    method_section = {"kind": method}
    if method == "cluster_gcn":
        method_section.update({"clusters": clusters, "clusters_per_batch": clusters_per_batch,
                               "partition": "all_nodes", "eval_clusters_per_batch": clusters_per_batch,
                               "partition_file": str(partition_file)})
    return {
        "name": f"{method}-{args.graph}-vs-pyg",
        "method": method_section,
        "dataset": dataset,
        "model": model,
        "optimizer": optimizer,
        "fleet": {"clock": "wall", "devices": [{"name": "cpu0", "backend": "cpu"}]},
        # The first evaluation comes after the setup; `epochs` intervals follow it.
        "stop": {"max_time_s": 3600, "max_epochs": args.epochs},
        "eval": {"every_s": 3600, "every_epochs": 1, "metrics": ["accuracy"]},
        "seed": 1,
    }


def run_trainbench(args, config_file, environment):
    result = subprocess.run([str(args.bench), str(config_file)], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        sys.exit(f"graph_epoch_bench failed ({result.returncode}): {result.stderr.strip()}")
    report = json.loads(result.stdout)
    return report["seconds_per_epoch"], report


def load_exported_graph(torch, folder):
    import numpy

    meta = json.loads((folder / "meta.json").read_text())
    nodes = meta["nodes"]
    row_offsets = numpy.fromfile(folder / "row_offsets.i64", dtype=numpy.int64)
    columns = numpy.fromfile(folder / "columns.i32", dtype=numpy.int32).astype(numpy.int64)
    rows = numpy.repeat(numpy.arange(nodes, dtype=numpy.int64), numpy.diff(row_offsets))
    features = numpy.fromfile(folder / "features.f32", dtype=numpy.float32).reshape(nodes, meta["features"])
    labels = numpy.fromfile(folder / "labels.i32", dtype=numpy.int32).astype(numpy.int64)
    train = numpy.fromfile(folder / "train.i64", dtype=numpy.int64)
    train_mask = numpy.zeros(nodes, dtype=bool)
    train_mask[train] = True
    return meta, {
        "x": torch.from_numpy(features),
        "y": torch.from_numpy(labels),
        "edge_index": torch.from_numpy(numpy.stack([rows, columns])),
        "train_mask": torch.from_numpy(train_mask),
    }


class PygSide:
    """The same GCN and training step in PyTorch Geometric."""

    def __init__(self, torch, graph, meta, config, adjacency):
        from torch_geometric.data import Data

        self.torch = torch
        self.sparse = adjacency == "csr"
        self.config = config
        self.data = Data(**graph)
        self.meta = meta
        self.loader = None

    def make_model(self, cached):
        from torch_geometric.nn import GCNConv

        torch = self.torch
        widths = [self.meta["features"]] + self.config["model"]["hidden"] + [self.meta["classes"]]
        dropout = self.config["model"]["dropout"]

        class Gcn(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = torch.nn.ModuleList(
                    GCNConv(widths[i], widths[i + 1], cached=cached) for i in range(len(widths) - 1))

            def forward(self, x, edge_index):
                for i, layer in enumerate(self.layers):
                    x = torch.nn.functional.dropout(x, p=dropout, training=self.training)
                    x = layer(x, edge_index)
                    if i + 1 < len(self.layers):
                        x = torch.relu(x)
                return x

        torch.manual_seed(1)
        model = Gcn()
        optimizer_config = self.config["optimizer"]
        optimizer = torch.optim.Adam(model.parameters(), lr=optimizer_config["lr"],
                                     weight_decay=optimizer_config.get("weight_decay", 0.0))
        return model, optimizer

    def step(self, model, optimizer, batch):
        torch = self.torch
        optimizer.zero_grad()
        if self.sparse:
            from torch_geometric.utils import to_torch_csr_tensor

            edges = batch.adj_t if "adj_t" in batch else to_torch_csr_tensor(batch.edge_index, size=batch.num_nodes)
        else:
            edges = batch.edge_index
        scores = model(batch.x, edges)
        loss = torch.nn.functional.cross_entropy(scores[batch.train_mask], batch.y[batch.train_mask])
        loss.backward()
        optimizer.step()

    def full_batch_epochs(self, epochs):
        model, optimizer = self.make_model(cached=True)
        model.train()
        if self.sparse and "adj_t" not in self.data:
            from torch_geometric.utils import to_torch_csr_tensor

            self.data.adj_t = to_torch_csr_tensor(self.data.edge_index, size=self.data.num_nodes)
        seconds = []
        self.step(model, optimizer, self.data)  # fills GCNConv's cache, as Trainbench's setup normalizes once
        for _ in range(epochs):
            started = time.perf_counter()
            self.step(model, optimizer, self.data)
            seconds.append(time.perf_counter() - started)
        return statistics.median(seconds)

    def cluster_epochs(self, epochs, partition_file):
        from torch_geometric.loader import ClusterData, ClusterLoader

        torch = self.torch
        if self.loader is None:
            cluster = torch.tensor([int(line) for line in Path(partition_file).read_text().split()], dtype=torch.long)
            method = self.config["method"]

            class FileClusterData(ClusterData):
                """ClusterData over the partition Trainbench's METIS run wrote."""

                def _metis(self, edge_index, num_nodes):
                    return cluster

            clusters = FileClusterData(self.data, num_parts=method["clusters"], log=False)
            self.loader = ClusterLoader(clusters, batch_size=method["clusters_per_batch"], shuffle=True)
        model, optimizer = self.make_model(cached=False)
        model.train()
        seconds = []
        for _ in range(epochs):
            started = time.perf_counter()
            for batch in self.loader:
                self.step(model, optimizer, batch)
            seconds.append(time.perf_counter() - started)
        return statistics.median(seconds)


def main():
    args = parse_arguments()
    try:
        import torch
        import torch_geometric
    except ImportError as error:
        print(f"skipped: PyTorch Geometric is not installed ({error}); pip install torch torch_geometric")
        return 0
    if not args.bench.exists():
        sys.exit(f"{args.bench} is missing: build the project first (./scripts/build.sh)")
    torch.set_num_threads(args.threads)
    environment = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1")

    print(f"PyTorch {torch.__version__}, PyTorch Geometric {torch_geometric.__version__} ({args.pyg_adjacency}), "
          f"{args.threads} threads, "
          f"{args.rounds} rounds of {args.epochs} epochs per side")
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        partition_file = scratch / "partition.txt"
        graph_folder = scratch / "graph"
        first_config = experiment(args, "full_batch_gcn", partition_file)
        (scratch / "export.json").write_text(json.dumps(first_config))
        subprocess.run([str(args.bench), str(scratch / "export.json"), "--export-graph", str(graph_folder)],
                       check=True, env=environment)
        meta, graph = load_exported_graph(torch, graph_folder)
        print(f"graph {meta['name']}: {meta['nodes']} nodes, {meta['entries']} adjacency entries, "
              f"{meta['features']} features, {meta['classes']} classes, {meta['split_train']} training nodes")
        for method in args.methods.split(","):
            config = experiment(args, method, partition_file)
            config_file = scratch / f"{method}.json"
            config_file.write_text(json.dumps(config))
            pyg = PygSide(torch, graph, meta, config, args.pyg_adjacency)
            ours, theirs = [], []
            for round_index in range(args.rounds):
                def trainbench_round():
                    seconds, report = run_trainbench(args, config_file, environment)
                    ours.append(seconds)
                    return report

                def pyg_round():
                    if method == "full_batch_gcn":
                        theirs.append(pyg.full_batch_epochs(args.epochs))
                    else:
                        theirs.append(pyg.cluster_epochs(args.epochs, partition_file))

                # Trainbench first in even rounds (the first writes the partition PyG reads).
                if round_index % 2 == 0:
                    report = trainbench_round()
                    pyg_round()
                else:
                    pyg_round()
                    report = trainbench_round()
                print(f"  {method} round {round_index + 1}: Trainbench {1e3 * ours[-1]:.2f} ms/epoch "
                      f"(test accuracy {report['metrics'].get('accuracy', float('nan')):.3f} after {args.epochs} epochs), "
                      f"PyG {1e3 * theirs[-1]:.2f} ms/epoch", flush=True)
            ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
            print(f"{method}: Trainbench {1e3 * ours_median:.2f} ms/epoch, PyG {1e3 * theirs_median:.2f} ms/epoch, "
                  f"PyG / Trainbench = {theirs_median / ours_median:.2f} "
                  f"(per round: {', '.join(f'{t / o:.2f}' for o, t in zip(ours, theirs))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
