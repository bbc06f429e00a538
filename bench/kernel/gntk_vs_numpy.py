#!/usr/bin/env python3
"""The graph neural tangent kernel's Gram matrix: Trainbench's gntk_gram_bench against NumPy, alternated.

The NumPy side is written here from the equations of Du et al., "Graph Neural Tangent Kernel: Fusing
Graph Neural Networks with Graph Kernels" (NeurIPS 2019), section 4, in the shape of the authors' own
algorithm: a pass over every graph alone first, which records each node's standard deviation before
every ReLU layer, then one recursion per pair of graphs (G, G'), with n x n' matrices:

    input        Sigma = Theta = H H'^T                       (one-hot node labels)
    each block   Sigma <- C A Sigma A'^T C',  Theta likewise  (A: adjacency with self-loops; C = I for sum
                                                               pooling, diag(1 / (neighbours + 1)) for average)
                 then for each of its R ReLU layers:
                   rho = clip(Sigma / (d d'^T), -1, 1)       (d, d': from the pass over G and G' alone)
                   Sigma <- d d'^T (rho (pi - arccos rho) + sqrt(1 - rho^2)) / pi
                   Sigma_dot = (pi - arccos rho) / pi
                   Theta <- Theta * Sigma_dot + Sigma
    readout      sum of Theta (last layer), or jumping knowledge: the sums of Theta of the input and of
                 every block's last layer, added.

The aggregation C A Sigma A'^T C' is, by default, the authors' Kronecker form:
scipy.sparse.kron(A, A') @ vec(Sigma) (row-major vec), scaled by c c'^T; `--aggregation dense` uses the
equivalent dense products A @ Sigma @ A'.T instead (a faster NumPy baseline, reported separately).

Both sides read the same graphs: gntk_gram_bench exports the collection it computes over
(--export-collection) and writes its Gram matrix (--write-gram) in the first round; the NumPy side reads
that export. Every round runs both, and which goes first alternates. Our time per round is the median of
`--our-repeats` computations inside one process (GraphNeuralTangentKernel::compute; reading the data is
not timed). NumPy's time per round is its pass over every graph alone plus its pair loop
(reading is not timed either). With --pairs-sample K the NumPy pair loop runs on K pairs drawn at random
(a fresh draw per round) from the graphs x (graphs + 1) / 2 pairs of the upper triangle, diagonal included,
and its time is extrapolated: pass over the graphs + pair loop x (all pairs / K); the output says so.
Both sides are held to one thread: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to 1
before NumPy loads, and our program inherits them (it reports the OMP_NUM_THREADS it saw). The ratio is NumPy's time / ours: above 1, ours is faster.

Correctness: every NumPy entry computed is compared with our Gram matrix; the largest relative
difference |ours - numpy| / |numpy| must stay below 1e-6, or the script stops with status 1.

    python3 bench/kernel/gntk_vs_numpy.py [--data mutag,synthetic] [--rounds 3] [--blocks 2] [--mlp-layers 2]
        [--pooling sum|average] [--readout sum|jumping_knowledge] [--aggregation kron|dense]
        [--pairs-sample K] [--graphs 1000] [--nodes-per-graph 40] [--seed 1]
        [--bench build/bench/gntk_gram_bench]
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

# Before NumPy loads its BLAS, and inherited by our program: one thread on each side.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sparse  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-6
# The synthetic set has about 500,000 pairs; NumPy takes minutes over all of them, so it is sampled.
DEFAULT_SYNTHETIC_SAMPLE = 20_000


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="mutag,synthetic", help="comma-separated: mutag, synthetic")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=2, help="L")
    parser.add_argument("--mlp-layers", type=int, default=2, help="R")
    parser.add_argument("--pooling", choices=["sum", "average"], default="sum")
    parser.add_argument("--readout", choices=["sum", "jumping_knowledge"], default="jumping_knowledge")
    parser.add_argument("--aggregation", choices=["kron", "dense"], default="kron",
                        help="NumPy's aggregation: the authors' scipy.sparse.kron form, or dense A S A'^T")
    parser.add_argument("--pairs-sample", type=int, default=None,
                        help=f"NumPy pairs per round, extrapolated to all (default: all for MUTAG, "
                             f"{DEFAULT_SYNTHETIC_SAMPLE} for the synthetic set; 0: all)")
    parser.add_argument("--graphs", type=int, default=1000, help="graphs of the synthetic set")
    parser.add_argument("--nodes-per-graph", type=int, default=40, help="nodes per synthetic graph")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic set and of the pair samples")
    parser.add_argument("--nodes-per-block", type=int, default=256, help="ours: nodes per work item")
    parser.add_argument("--our-repeats", type=int, default=None,
                        help="our computations per round, the median counts (default: 3 for MUTAG, 1 for synthetic)")
    parser.add_argument("--tu", type=Path, default=REPOSITORY.parent / "shared" / "data" / "graphs" / "MUTAG")
    parser.add_argument("--bench", type=Path, default=REPOSITORY / "build" / "bench" / "gntk_gram_bench")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the export and Gram go (default: a temp dir)")
    return parser.parse_args()


# ---------------------------------------------------------------------------------------------------
# The collection, as gntk_gram_bench exports it.

class Graph:
    """One graph's matrices: adjacency with self-loops (sparse and dense), pooling scale, one-hot features."""

    def __init__(self, adjacency, labels, label_count, pooling):
        nodes = adjacency.shape[0]
        # The node itself counts once however the data lists it: self-loops of the data are dropped first.
        adjacency = adjacency.tolil()
        adjacency.setdiag(0)
        adjacency = adjacency.tocsr()
        adjacency.eliminate_zeros()
        adjacency.data[:] = 1.0
        self.adjacency = (adjacency + sparse.identity(nodes, format="csr")).tocsr()
        self.dense_adjacency = self.adjacency.toarray()
        neighbours = np.asarray(adjacency.sum(axis=1)).ravel()
        self.scale = np.ones(nodes) if pooling == "sum" else 1.0 / (neighbours + 1.0)
        self.features = np.zeros((nodes, label_count))
        self.features[np.arange(nodes), labels] = 1.0
        self.nodes = nodes


def read_export(folder, pooling):
    meta = json.loads((folder / "meta.json").read_text())
    offsets = np.loadtxt(folder / "graph_offsets.txt", dtype=np.int64, ndmin=1)
    edges = np.loadtxt(folder / "edges.txt", dtype=np.int64, ndmin=2).reshape(-1, 2)
    node_labels = np.loadtxt(folder / "node_labels.txt", dtype=np.int64, ndmin=1)
    nodes = int(offsets[-1])
    everything = sparse.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(nodes, nodes)).tocsr()
    graphs = []
    for g in range(len(offsets) - 1):
        first, end = int(offsets[g]), int(offsets[g + 1])
        graphs.append(Graph(everything[first:end, first:end], node_labels[first:end], meta["node_label_count"], pooling))
    return meta, graphs


# ---------------------------------------------------------------------------------------------------
# The kernel in NumPy.

def aggregate(matrix, first, second, aggregation):
    """C A matrix A'^T C' for graphs `first` (rows) and `second` (columns)."""
    if aggregation == "kron":
        # (A kron A') vec(S) = vec(A S A'^T) for the row-major vec that reshape gives.
        product = sparse.kron(first.adjacency, second.adjacency, format="csr") @ matrix.ravel()
        product = product.reshape(first.nodes, second.nodes)
    else:
        product = first.dense_adjacency @ matrix @ second.dense_adjacency.T
    return product * np.outer(first.scale, second.scale)


def relu_layer(sigma, deviation_first, deviation_second):
    """Sigma of the next layer and Sigma_dot, the arc-cosine kernels of degree 1 and 0."""
    scale = np.outer(deviation_first, deviation_second)
    # A node without variance is uncorrelated with everything (ours does the same); one-hot labels never
    # give one.
    rho = np.clip(np.divide(sigma, scale, out=np.zeros_like(sigma), where=scale > 0), -1.0, 1.0)
    angle = np.arccos(rho)
    next_sigma = scale * (rho * (np.pi - angle) + np.sqrt(1.0 - rho * rho)) / np.pi
    derivative = (np.pi - angle) / np.pi
    return next_sigma, derivative


def node_deviations(graph, settings):
    """The pass over one graph alone: sqrt(diag Sigma) before each ReLU layer, [block][layer]."""
    sigma = graph.features @ graph.features.T
    deviations = []
    for _ in range(settings.blocks):
        sigma = aggregate(sigma, graph, graph, settings.aggregation)
        per_layer = []
        for _ in range(settings.mlp_layers):
            deviation = np.sqrt(np.maximum(np.diag(sigma), 0.0))
            per_layer.append(deviation)
            sigma, _ = relu_layer(sigma, deviation, deviation)
        deviations.append(per_layer)
    return deviations


def pair_kernel(first, second, deviations_first, deviations_second, settings):
    sigma = first.features @ second.features.T
    theta = sigma.copy()
    jumping = settings.readout == "jumping_knowledge"
    total = theta.sum() if jumping else 0.0
    for block in range(settings.blocks):
        sigma = aggregate(sigma, first, second, settings.aggregation)
        theta = aggregate(theta, first, second, settings.aggregation)
        for layer in range(settings.mlp_layers):
            sigma, derivative = relu_layer(sigma, deviations_first[block][layer], deviations_second[block][layer])
            theta = theta * derivative + sigma
        if jumping or block + 1 == settings.blocks:
            total += theta.sum()
    return total


def numpy_gram(graphs, pairs, settings):
    """Kernel values of `pairs` (i, j); seconds of the pass over the graphs alone and of the pair loop."""
    start = time.perf_counter()
    deviations = [node_deviations(graph, settings) for graph in graphs]
    diagonal_seconds = time.perf_counter() - start
    values = np.empty(len(pairs))
    start = time.perf_counter()
    for index, (i, j) in enumerate(pairs):
        values[index] = pair_kernel(graphs[i], graphs[j], deviations[i], deviations[j], settings)
    pair_seconds = time.perf_counter() - start
    return values, diagonal_seconds, pair_seconds


# ---------------------------------------------------------------------------------------------------
# Ours.

def run_ours(args, source_arguments, repeats, export_folder=None, gram_path=None):
    command = [str(args.bench), *source_arguments, "--blocks", str(args.blocks), "--mlp-layers", str(args.mlp_layers),
               "--pooling", args.pooling, "--readout", args.readout, "--nodes-per-block", str(args.nodes_per_block),
               "--repeats", str(repeats)]
    if export_folder is not None:
        command += ["--export-collection", str(export_folder)]
    if gram_path is not None:
        command += ["--write-gram", str(gram_path)]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"gntk_gram_bench failed ({completed.returncode}): {' '.join(command)}\n{completed.stderr}")
    return json.loads(completed.stdout), command


# ---------------------------------------------------------------------------------------------------

def all_pairs(graphs):
    first, second = np.triu_indices(graphs)
    return np.stack([first, second], axis=1)


def compare(ours, pairs, values):
    """Largest |ours - numpy| / |numpy| over the computed pairs."""
    reference = ours[pairs[:, 0], pairs[:, 1]]
    return float(np.max(np.abs(reference - values) / np.maximum(np.abs(values), np.finfo(float).tiny)))


def run_case(args, case, work_dir):
    if case == "mutag":
        source_arguments = ["--tu", str(args.tu)]
        sample = args.pairs_sample if args.pairs_sample is not None else 0
        repeats = args.our_repeats or 3
    else:
        source_arguments = ["--synthetic", "--graphs", str(args.graphs), "--nodes-per-graph", str(args.nodes_per_graph),
                            "--seed", str(args.seed)]
        sample = args.pairs_sample if args.pairs_sample is not None else DEFAULT_SYNTHETIC_SAMPLE
        repeats = args.our_repeats or 1
    export_folder = work_dir / f"{case}_collection"
    gram_path = work_dir / f"{case}_gram.f64"

    graphs = None
    ours_gram = None
    rows = []
    commands = {}
    for round_index in range(args.rounds):
        order = ["ours", "numpy"] if round_index % 2 == 0 else ["numpy", "ours"]
        row = {"round": round_index + 1, "first": order[0]}
        for side in order:
            if side == "ours":
                first_run = ours_gram is None
                result, command = run_ours(args, source_arguments, repeats,
                                           export_folder if first_run else None, gram_path if first_run else None)
                commands.setdefault("ours", " ".join(command))
                if first_run:
                    meta, graphs = read_export(export_folder, args.pooling)
                    count = result["graphs"]
                    ours_gram = np.fromfile(gram_path, dtype="<f8").reshape(count, count)
                row["ours_seconds"] = statistics.median(result["seconds"])
                row["ours_repeats"] = result["seconds"]
                row["ours_checksum"] = result["gram_checksum"]
            else:
                if graphs is None:
                    # NumPy goes first only from round 2 on, when the export exists.
                    raise RuntimeError("the export is written by our first run")
                every_pair = all_pairs(len(graphs))
                if sample and sample < len(every_pair):
                    rng = np.random.default_rng(args.seed * 1000 + round_index)
                    pairs = every_pair[np.sort(rng.choice(len(every_pair), size=sample, replace=False))]
                else:
                    pairs = every_pair
                values, diagonal_seconds, pair_seconds = numpy_gram(graphs, pairs, args)
                row["numpy_pairs"] = len(pairs)
                row["all_pairs"] = len(every_pair)
                row["numpy_diagonal_seconds"] = diagonal_seconds
                row["numpy_pair_seconds"] = pair_seconds
                row["numpy_seconds"] = diagonal_seconds + pair_seconds * len(every_pair) / len(pairs)
                row["extrapolated"] = len(pairs) < len(every_pair)
                row["max_relative_difference"] = compare(ours_gram, pairs, values)
        row["ratio"] = row["numpy_seconds"] / row["ours_seconds"]
        rows.append(row)
        print(f"  {case} round {row['round']} ({row['first']} first): ours {row['ours_seconds']:.4f} s, "
              f"numpy {row['numpy_seconds']:.3f} s{' (extrapolated)' if row['extrapolated'] else ''}, "
              f"ratio {row['ratio']:.2f}, max rel diff {row['max_relative_difference']:.3e}", flush=True)

    worst = max(row["max_relative_difference"] for row in rows)
    summary = {
        "case": case,
        "graphs": len(graphs),
        "nodes": int(sum(graph.nodes for graph in graphs)),
        "collection": meta["source"],
        "settings": {"blocks": args.blocks, "mlp_layers": args.mlp_layers, "pooling": args.pooling,
                     "readout": args.readout, "numpy_aggregation": args.aggregation,
                     "nodes_per_block": args.nodes_per_block, "our_repeats_per_round": repeats},
        "our_command": commands["ours"],
        "rounds": rows,
        "median_ratio": statistics.median(row["ratio"] for row in rows),
        "max_relative_difference": worst,
    }
    return summary


def print_table(summary):
    print(f"\n{summary['case']}: {summary['graphs']} graphs, {summary['nodes']} nodes ({summary['collection']})")
    print(f"settings: {summary['settings']}")
    print(f"ours: {summary['our_command']}")
    print("| round | first | ours (s) | NumPy pairs timed | NumPy pass over graphs (s) | NumPy pair loop (s) "
          "| NumPy total (s) | NumPy / ours |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for row in summary["rounds"]:
        pairs = f"{row['numpy_pairs']:,} of {row['all_pairs']:,}"
        total = f"{row['numpy_seconds']:.2f}" + (" (extrapolated)" if row["extrapolated"] else "")
        print(f"| {row['round']} | {row['first']} | {row['ours_seconds']:.4f} | {pairs} | "
              f"{row['numpy_diagonal_seconds']:.3f} | {row['numpy_pair_seconds']:.2f} | {total} | {row['ratio']:.2f} |")
    print(f"median ratio NumPy / ours: {summary['median_ratio']:.2f}")
    if any(row["extrapolated"] for row in summary["rounds"]):
        print("NumPy totals are EXTRAPOLATED: pass over all graphs + pair loop on the sampled pairs x (all pairs / sampled).")
    print(f"largest relative difference, NumPy against ours, over every pair NumPy computed: "
          f"{summary['max_relative_difference']:.3e} (tolerance {TOLERANCE:g})")


def main():
    args = parse_arguments()
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    if not args.bench.exists():
        sys.exit(f"{args.bench} does not exist: cmake --build build --target gntk_gram_bench")
    cases = [case.strip() for case in args.data.split(",") if case.strip()]
    for case in cases:
        if case not in ("mutag", "synthetic"):
            sys.exit(f"--data: unknown data set '{case}' (mutag, synthetic)")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, python {sys.version.split()[0]}; one thread each side")
    with tempfile.TemporaryDirectory() as temporary:
        work_dir = args.work_dir or Path(temporary)
        work_dir.mkdir(parents=True, exist_ok=True)
        summaries = [run_case(args, case, work_dir) for case in cases]
    for summary in summaries:
        print_table(summary)
    print("\n" + json.dumps(summaries))
    failed = [summary["case"] for summary in summaries if not summary["max_relative_difference"] < TOLERANCE]
    if failed:
        print(f"\nFAILED: NumPy and ours differ by more than {TOLERANCE:g} (relative) on {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
