// The host-side preparation of GCN and Cluster-GCN on a large synthetic graph: the three adjacency
// normalizations over the whole graph (what full-batch GCN and model.precompute_first_layer pay once),
// the METIS partition (what Cluster-GCN pays once per run), and one epoch of cluster batches with their
// induced subgraphs (what it pays every epoch, and which must stay small against a training step).
//
//   graph_partition_bench [--nodes N] [--degree D] [--parts P] [--clusters-per-batch Q] [--repeats R]
//
// The normalizations and the batches run on an OpenMP team (OMP_NUM_THREADS sets its size); METIS runs
// on one thread.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/data/graph/adjacency_normalization.h"
#include "core/data/graph/cluster_batches.h"
#include "core/data/graph/metis_partition.h"
#include "core/data/graph/synthetic_graph.h"

using namespace tb;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_of(const std::function<void()>& call) {
    const auto start = Clock::now();
    call();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The median of `repeats` timed calls.
double median_seconds(int repeats, const std::function<void()>& call) {
    std::vector<double> seconds;
    for (int i = 0; i < repeats; ++i) seconds.push_back(seconds_of(call));
    std::sort(seconds.begin(), seconds.end());
    return seconds[seconds.size() / 2];
}

double cut_fraction(const HostCsr& adjacency, const std::vector<std::int32_t>& cluster_of) {
    std::int64_t cut = 0;
    for (std::int64_t node = 0; node < adjacency.rows; ++node) {
        for (const std::int32_t neighbour : adjacency.row_columns(node)) {
            cut += cluster_of[static_cast<std::size_t>(node)] != cluster_of[static_cast<std::size_t>(neighbour)] ? 1 : 0;
        }
    }
    return static_cast<double>(cut) / static_cast<double>(std::max<std::int64_t>(adjacency.nnz(), 1));
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t nodes = 200'000;
    double degree = 50;
    int parts = 50;
    int clusters_per_batch = 1;
    int repeats = 3;
    CLI::App app("Adjacency normalization, METIS partition and Cluster-GCN batches on a synthetic graph.",
                 "graph_partition_bench");
    app.add_option("--nodes", nodes, "nodes of the synthetic graph")->check(tb::cli::whole_number_at_least(2))->capture_default_str();
    app.add_option("--degree", degree, "average adjacency entries per node")->check(tb::cli::number_at_least(0.1))->capture_default_str();
    app.add_option("--parts", parts, "clusters METIS cuts the graph into (p)")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--clusters-per-batch", clusters_per_batch, "clusters per Cluster-GCN batch (q)")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--repeats", repeats, "timed calls of each normalization (the median is printed)")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    SyntheticGraphSpec spec;
    spec.name = "bench";
    spec.nodes = nodes;
    spec.average_degree = degree;
    spec.features = 16;
    NodeGraph graph;
    const double generate_s = seconds_of([&] { graph = generate_synthetic_graph(spec); });
    std::printf("synthetic graph: %lld nodes, %lld adjacency entries (%.1f per node), generated in %.2f s\n",
                static_cast<long long>(graph.nodes), static_cast<long long>(graph.adjacency.nnz()),
                static_cast<double>(graph.adjacency.nnz()) / static_cast<double>(graph.nodes), generate_s);

    for (const AdjacencyNormalization kind :
         {AdjacencyNormalization::symmetric, AdjacencyNormalization::row, AdjacencyNormalization::diagonal_enhanced}) {
        HostCsr normalized;
        const double s = median_seconds(repeats, [&] { normalized = normalize_adjacency(graph.adjacency, kind, 1.0); });
        std::printf("normalize_adjacency %-17s %8.1f ms  (%lld entries out, %.0f M entries/s)\n",
                    adjacency_normalization_names().name(kind).c_str(), 1e3 * s, static_cast<long long>(normalized.nnz()),
                    static_cast<double>(normalized.nnz()) / s / 1e6);
    }

    std::vector<std::int32_t> cluster_of;
    const double partition_s = seconds_of([&] { cluster_of = partition_graph(graph.adjacency, parts, 1); });
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(parts), 0);
    for (const std::int32_t cluster : cluster_of) ++sizes[static_cast<std::size_t>(cluster)];
    std::printf("partition_graph into %d parts   %8.1f ms  (clusters of %lld..%lld nodes, %.1f%% of the entries cut)\n",
                parts, 1e3 * partition_s, static_cast<long long>(*std::min_element(sizes.begin(), sizes.end())),
                static_cast<long long>(*std::max_element(sizes.begin(), sizes.end())), 100 * cut_fraction(graph.adjacency, cluster_of));

    if (clusters_per_batch > parts) clusters_per_batch = parts;
    ClusterBatcher batcher(graph.adjacency, cluster_of, parts, 1);
    const std::int64_t batches = batcher.batches_per_epoch(clusters_per_batch);
    std::int64_t batch_entries = 0;
    const double epoch_s = seconds_of([&] {
        for (std::int64_t b = 0; b < batches; ++b) {
            const ClusterBatch batch = batcher.next(clusters_per_batch);
            batch_entries += normalize_adjacency(batch.adjacency, AdjacencyNormalization::diagonal_enhanced, 1.0).nnz();
        }
    });
    std::printf("one epoch of %lld cluster batches (q = %d), induced and normalized: %.1f ms (%.2f ms a batch, %lld entries in all)\n",
                static_cast<long long>(batches), clusters_per_batch, 1e3 * epoch_s, 1e3 * epoch_s / static_cast<double>(batches),
                static_cast<long long>(batch_entries));
    return 0;
}
