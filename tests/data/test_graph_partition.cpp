// The host-side pieces of GCN and Cluster-GCN: the three adjacency normalizations against hand-computed
// matrices, METIS partitions that are complete, balanced, deterministic and cut far fewer edges than a
// random assignment (a synthetic graph and Cora), Cluster-GCN batches that cover every node once an
// epoch and whose adjacency is exactly the induced subgraph, and the partition file with its errors.

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>
#include <vector>

#include "core/data/data_paths.h"
#include "core/data/graph/adjacency_normalization.h"
#include "core/data/graph/cluster_batches.h"
#include "core/data/graph/induced_subgraph.h"
#include "core/data/graph/metis_partition.h"
#include "core/data/graph/ogb_node_reader.h"
#include "core/data/graph/partition_file.h"
#include "core/data/graph/symmetric_adjacency.h"
#include "core/data/graph/synthetic_graph.h"
#include "core/errors.h"
#include "core/random/random_stream.h"

using namespace tb;
namespace fs = std::filesystem;

namespace {

using Dense = std::vector<std::vector<double>>;

Dense dense(const HostCsr& csr) {
    Dense matrix(static_cast<std::size_t>(csr.rows), std::vector<double>(static_cast<std::size_t>(csr.cols), 0.0));
    for (std::int64_t row = 0; row < csr.rows; ++row) {
        const auto columns = csr.row_columns(row);
        const auto values = csr.row_values(row);
        for (std::size_t k = 0; k < columns.size(); ++k) {
            matrix[static_cast<std::size_t>(row)][static_cast<std::size_t>(columns[k])] += values[k];
        }
    }
    return matrix;
}

// The largest absolute difference, printed so a failure shows how far off it is.
double largest_difference(const Dense& actual, const Dense& expected) {
    double largest = 0.0;
    for (std::size_t r = 0; r < expected.size(); ++r) {
        for (std::size_t c = 0; c < expected[r].size(); ++c) largest = std::max(largest, std::abs(actual[r][c] - expected[r][c]));
    }
    return largest;
}

bool rows_sorted_with_diagonal(const HostCsr& csr) {
    for (std::int64_t row = 0; row < csr.rows; ++row) {
        const auto columns = csr.row_columns(row);
        if (std::adjacent_find(columns.begin(), columns.end(), [](auto a, auto b) { return a >= b; }) != columns.end()) return false;
        if (!std::binary_search(columns.begin(), columns.end(), static_cast<std::int32_t>(row))) return false;
    }
    return true;
}

// A path 0-1-2-3 with a self-loop listed at node 2, and an isolated node 4. Degrees of A + I with the
// self-loop counted once: 2, 3, 3, 2, 1.
HostCsr path_with_isolated_node() {
    HostCsr adjacency = symmetric_adjacency(5, {{0, 1}, {1, 2}, {2, 3}});
    HostCsr with_loop;
    with_loop.cols = 5;
    for (std::int64_t row = 0; row < 5; ++row) {
        std::vector<std::int32_t> columns(adjacency.row_columns(row).begin(), adjacency.row_columns(row).end());
        if (row == 2) columns.insert(std::lower_bound(columns.begin(), columns.end(), 2), 2);
        with_loop.append_row(columns, std::vector<float>(columns.size(), 1.0f));
    }
    return with_loop;
}

// The share of off-diagonal entries whose ends lie in different clusters.
double cut_fraction(const HostCsr& adjacency, const std::vector<std::int32_t>& cluster_of) {
    std::int64_t cut = 0;
    std::int64_t total = 0;
    for (std::int64_t node = 0; node < adjacency.rows; ++node) {
        for (const std::int32_t neighbour : adjacency.row_columns(node)) {
            if (neighbour == node) continue;
            ++total;
            cut += cluster_of[static_cast<std::size_t>(node)] != cluster_of[static_cast<std::size_t>(neighbour)] ? 1 : 0;
        }
    }
    return static_cast<double>(cut) / static_cast<double>(total);
}

std::vector<std::int32_t> random_assignment(std::int64_t nodes, std::int32_t parts, std::uint64_t seed) {
    RandomStream random(seed);
    std::vector<std::int32_t> cluster_of(static_cast<std::size_t>(nodes));
    for (std::int32_t& cluster : cluster_of) cluster = static_cast<std::int32_t>(random.below(static_cast<std::uint64_t>(parts)));
    return cluster_of;
}

// Every node in a cluster, no cluster empty, the largest within 10% of the average, and far fewer edges
// cut than by a random assignment (which cuts about 1 - 1/parts of them).
void check_partition(const HostCsr& adjacency, const std::vector<std::int32_t>& cluster_of, std::int32_t parts) {
    QCOMPARE(static_cast<std::int64_t>(cluster_of.size()), adjacency.rows);
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(parts), 0);
    for (const std::int32_t cluster : cluster_of) {
        QVERIFY(cluster >= 0 && cluster < parts);
        ++sizes[static_cast<std::size_t>(cluster)];
    }
    const std::int64_t smallest = *std::min_element(sizes.begin(), sizes.end());
    const std::int64_t largest = *std::max_element(sizes.begin(), sizes.end());
    QVERIFY2(smallest > 0, "a cluster is empty");
    const double average = static_cast<double>(adjacency.rows) / parts;
    QVERIFY2(static_cast<double>(largest) <= 1.1 * average,
             qPrintable(QString("largest cluster %1 nodes, average %2").arg(largest).arg(average)));
    const double metis_cut = cut_fraction(adjacency, cluster_of);
    const double random_cut = cut_fraction(adjacency, random_assignment(adjacency.rows, parts, 7));
    qInfo("%d parts: clusters of %lld..%lld nodes, METIS cuts %.1f%% of the edges, a random assignment %.1f%%", parts,
          static_cast<long long>(smallest), static_cast<long long>(largest), 100 * metis_cut, 100 * random_cut);
    QVERIFY(metis_cut < 0.5 * random_cut);
}

NodeGraph small_synthetic_graph() {
    SyntheticGraphSpec spec;
    spec.nodes = 2000;
    spec.features = 16;
    spec.average_degree = 10;
    spec.seed = 3;
    return generate_synthetic_graph(spec);
}

template <typename Error>
QString error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

void write(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

}  // namespace

class TestGraphPartition : public QObject {
    Q_OBJECT

private slots:
    void symmetric_normalization_matches_hand_computation() {
        const HostCsr normalized = normalize_adjacency(path_with_isolated_node(), AdjacencyNormalization::symmetric);
        const double s6 = 1.0 / std::sqrt(6.0);  // 1 / sqrt(2 * 3), between a degree-2 and a degree-3 node
        const Dense expected{{1.0 / 2, s6, 0, 0, 0},
                             {s6, 1.0 / 3, 1.0 / 3, 0, 0},
                             {0, 1.0 / 3, 1.0 / 3, s6, 0},
                             {0, 0, s6, 1.0 / 2, 0},
                             {0, 0, 0, 0, 1.0}};
        const double difference = largest_difference(dense(normalized), expected);
        qInfo("symmetric: largest difference %.3g", difference);
        QVERIFY(difference < 1e-6);
        QVERIFY(rows_sorted_with_diagonal(normalized));
        QCOMPARE(normalized.nnz(), std::int64_t{6 + 5});  // 3 edges both ways and one diagonal per row
    }

    void row_normalization_matches_hand_computation() {
        const HostCsr normalized = normalize_adjacency(path_with_isolated_node(), AdjacencyNormalization::row);
        const Dense expected{{1.0 / 2, 1.0 / 2, 0, 0, 0},
                             {1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0},
                             {0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0},
                             {0, 0, 1.0 / 2, 1.0 / 2, 0},
                             {0, 0, 0, 0, 1.0}};
        const double difference = largest_difference(dense(normalized), expected);
        qInfo("row: largest difference %.3g", difference);
        QVERIFY(difference < 1e-6);
        QVERIFY(rows_sorted_with_diagonal(normalized));
    }

    void diagonal_enhanced_normalization_matches_hand_computation() {
        // A~ = (D + I)^-1 (A + I), then A~ + lambda diag(A~): the diagonal is (1 + lambda) / d~.
        const double lambda = 0.5;
        const HostCsr normalized =
            normalize_adjacency(path_with_isolated_node(), AdjacencyNormalization::diagonal_enhanced, lambda);
        const Dense expected{{1.5 / 2, 1.0 / 2, 0, 0, 0},
                             {1.0 / 3, 1.5 / 3, 1.0 / 3, 0, 0},
                             {0, 1.0 / 3, 1.5 / 3, 1.0 / 3, 0},
                             {0, 0, 1.0 / 2, 1.5 / 2, 0},
                             {0, 0, 0, 0, 1.5}};
        const double difference = largest_difference(dense(normalized), expected);
        qInfo("diagonal_enhanced: largest difference %.3g", difference);
        QVERIFY(difference < 1e-6);
        QVERIFY(rows_sorted_with_diagonal(normalized));
        // lambda = 0 is the row normalization.
        QCOMPARE(dense(normalize_adjacency(path_with_isolated_node(), AdjacencyNormalization::diagonal_enhanced, 0.0)),
                 dense(normalize_adjacency(path_with_isolated_node(), AdjacencyNormalization::row)));
    }

    void normalizations_of_a_larger_graph_keep_their_defining_properties() {
        const NodeGraph graph = small_synthetic_graph();
        const HostCsr symmetric = normalize_adjacency(graph.adjacency, AdjacencyNormalization::symmetric);
        QVERIFY(rows_sorted_with_diagonal(symmetric));
        double asymmetry = 0.0;
        for (std::int64_t row = 0; row < symmetric.rows; ++row) {
            const auto columns = symmetric.row_columns(row);
            const auto values = symmetric.row_values(row);
            for (std::size_t k = 0; k < columns.size(); ++k) {
                const auto back = symmetric.row_columns(columns[k]);
                const auto found = std::lower_bound(back.begin(), back.end(), static_cast<std::int32_t>(row));
                QVERIFY(found != back.end() && *found == row);
                const float mirrored = symmetric.row_values(columns[k])[static_cast<std::size_t>(found - back.begin())];
                asymmetry = std::max(asymmetry, static_cast<double>(std::abs(values[k] - mirrored)));
            }
        }
        QCOMPARE(asymmetry, 0.0);  // both entries are the same product, rounded once

        const HostCsr row_normalized = normalize_adjacency(graph.adjacency, AdjacencyNormalization::row);
        double worst_sum = 0.0;
        for (std::int64_t row = 0; row < row_normalized.rows; ++row) {
            const auto values = row_normalized.row_values(row);
            worst_sum = std::max(worst_sum, std::abs(std::accumulate(values.begin(), values.end(), 0.0) - 1.0));
        }
        qInfo("row sums differ from 1 by at most %.3g", worst_sum);
        QVERIFY(worst_sum < 1e-5);
        QCOMPARE(row_normalized.nnz(), graph.adjacency.nnz() + graph.nodes);  // no self-loops in the data
    }

    void normalization_refuses_malformed_adjacency() {
        HostCsr not_square = path_with_isolated_node();
        not_square.cols = 6;
        QVERIFY(error_of<std::invalid_argument>([&] { normalize_adjacency(not_square, AdjacencyNormalization::row); })
                    .contains("not square"));
        HostCsr unsorted;
        unsorted.cols = 3;
        unsorted.append_row(std::vector<std::int32_t>{1}, std::vector<float>{1});
        unsorted.append_row(std::vector<std::int32_t>{2, 0}, std::vector<float>{1, 1});
        unsorted.append_row(std::vector<std::int32_t>{1}, std::vector<float>{1});
        const QString message = error_of<std::invalid_argument>([&] { normalize_adjacency(unsorted, AdjacencyNormalization::symmetric); });
        QVERIFY2(message.contains("row 1") && message.contains("not strictly increasing"), qPrintable(message));
        QCOMPARE(adjacency_normalization_names().value("diagonal_enhanced"), AdjacencyNormalization::diagonal_enhanced);
    }

    void partitions_a_synthetic_graph() {
        const NodeGraph graph = small_synthetic_graph();
        const std::vector<std::int32_t> clusters = partition_graph(graph.adjacency, 10, 42);
        check_partition(graph.adjacency, clusters, 10);
        QCOMPARE(partition_graph(graph.adjacency, 10, 42), clusters);  // same seed, same clusters
        // Few parts go through recursive bisection.
        check_partition(graph.adjacency, partition_graph(graph.adjacency, 4, 42), 4);
    }

    void partition_edge_cases() {
        const HostCsr path = path_with_isolated_node();  // its self-loop must not reach METIS
        QCOMPARE(partition_graph(path, 1, 1), std::vector<std::int32_t>(5, 0));
        const std::vector<std::int32_t> two = partition_graph(path, 2, 1);
        QCOMPARE(two.size(), std::size_t{5});
        QVERIFY(std::all_of(two.begin(), two.end(), [](std::int32_t c) { return c == 0 || c == 1; }));
        const QString too_many = error_of<std::invalid_argument>([&] { partition_graph(path, 6, 1); });
        QVERIFY2(too_many.contains("5 nodes") && too_many.contains("6 parts"), qPrintable(too_many));
        QVERIFY(!error_of<std::invalid_argument>([&] { partition_graph(path, 0, 1); }).isEmpty());
        // No edges at all: METIS still answers, every node in range.
        const std::vector<std::int32_t> edgeless = partition_graph(symmetric_adjacency(10, {}), 3, 1);
        QVERIFY(std::all_of(edgeless.begin(), edgeless.end(), [](std::int32_t c) { return c >= 0 && c < 3; }));
        const std::vector<std::int32_t> edgeless_kway = partition_graph(symmetric_adjacency(40, {}), 20, 1);
        QVERIFY(std::all_of(edgeless_kway.begin(), edgeless_kway.end(), [](std::int32_t c) { return c >= 0 && c < 20; }));
        HostCsr one_way;
        one_way.cols = 3;
        one_way.append_row(std::vector<std::int32_t>{1}, std::vector<float>{1});
        one_way.append_row(std::vector<std::int32_t>{0, 2}, std::vector<float>{1, 1});
        one_way.append_row(std::vector<std::int32_t>{}, std::vector<float>{});
        const QString asymmetric = error_of<std::invalid_argument>([&] { partition_graph(one_way, 2, 1); });
        QVERIFY2(asymmetric.contains("not symmetric") && asymmetric.contains("row 1"), qPrintable(asymmetric));
    }

    void partitions_cora() {
        const auto shared = shared_data_folder();
        if (!shared || !fs::exists(*shared / "graphs" / "cora" / "raw")) {
            QSKIP("Cora is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
        }
        const NodeGraph cora = read_ogb_node_graph(*shared / "graphs" / "cora", "planetoid");
        const std::vector<std::int32_t> clusters = partition_graph(cora.adjacency, 10, 1);
        check_partition(cora.adjacency, clusters, 10);
        QCOMPARE(partition_graph(cora.adjacency, 10, 1), clusters);
    }

    void cluster_batches_cover_every_node_once_an_epoch() {
        const NodeGraph graph = small_synthetic_graph();
        const std::int32_t parts = 10;
        const std::vector<std::int32_t> cluster_of = partition_graph(graph.adjacency, parts, 5);
        ClusterBatcher batcher(graph.adjacency, cluster_of, parts, 11);
        QCOMPARE(batcher.batches_per_epoch(3), std::int64_t{4});
        std::vector<int> seen(static_cast<std::size_t>(graph.nodes), 0);
        std::set<std::int32_t> clusters_seen;
        for (int b = 0; b < 4; ++b) {
            QCOMPARE(batcher.epoch(), std::int64_t{0});
            const ClusterBatch batch = batcher.next(3);
            QCOMPARE(batch.clusters.size(), static_cast<std::size_t>(b < 3 ? 3 : 1));  // 10 = 3 + 3 + 3 + 1
            QVERIFY(std::is_sorted(batch.nodes.begin(), batch.nodes.end()));
            for (const std::int64_t node : batch.nodes) {
                ++seen[static_cast<std::size_t>(node)];
                QVERIFY(std::find(batch.clusters.begin(), batch.clusters.end(), cluster_of[static_cast<std::size_t>(node)]) !=
                        batch.clusters.end());
            }
            clusters_seen.insert(batch.clusters.begin(), batch.clusters.end());
        }
        QCOMPARE(batcher.epoch(), std::int64_t{1});
        QCOMPARE(clusters_seen.size(), std::size_t{parts});
        QVERIFY(std::all_of(seen.begin(), seen.end(), [](int count) { return count == 1; }));
    }

    void cluster_batch_adjacency_is_the_induced_subgraph() {
        const NodeGraph graph = small_synthetic_graph();
        const Dense full = dense(graph.adjacency);
        const std::int32_t parts = 10;
        const std::vector<std::int32_t> cluster_of = partition_graph(graph.adjacency, parts, 5);
        ClusterBatcher batcher(graph.adjacency, cluster_of, parts, 2);
        std::int64_t restored_edges = 0;
        for (int b = 0; b < 8; ++b) {  // two epochs
            const ClusterBatch batch = batcher.next(3);
            const auto size = static_cast<std::int64_t>(batch.nodes.size());
            QCOMPARE(batch.adjacency.rows, size);
            QCOMPARE(batch.adjacency.cols, size);
            QVERIFY(std::is_sorted(batch.nodes.begin(), batch.nodes.end()));
            // Brute force: the dense restriction of the whole adjacency to the batch's nodes.
            Dense restricted(static_cast<std::size_t>(size), std::vector<double>(static_cast<std::size_t>(size)));
            for (std::size_t i = 0; i < batch.nodes.size(); ++i) {
                for (std::size_t j = 0; j < batch.nodes.size(); ++j) {
                    restricted[i][j] = full[static_cast<std::size_t>(batch.nodes[i])][static_cast<std::size_t>(batch.nodes[j])];
                }
            }
            QCOMPARE(dense(batch.adjacency), restricted);
            for (std::int64_t row = 0; row < batch.adjacency.rows; ++row) {
                const auto columns = batch.adjacency.row_columns(row);
                QVERIFY(std::adjacent_find(columns.begin(), columns.end(), [](auto a, auto c) { return a >= c; }) == columns.end());
            }
            QVERIFY(batch.clusters.size() > 1 || b % 4 == 3);
            // The edges between the batch's clusters are in it too (the partition cut them).
            for (std::int64_t row = 0; row < size; ++row) {
                for (const std::int32_t column : batch.adjacency.row_columns(row)) {
                    restored_edges += cluster_of[static_cast<std::size_t>(batch.nodes[static_cast<std::size_t>(row)])] !=
                                              cluster_of[static_cast<std::size_t>(batch.nodes[static_cast<std::size_t>(column)])]
                                          ? 1
                                          : 0;
                }
            }
        }
        QVERIFY(restored_edges > 0);
    }

    void cluster_batches_are_deterministic_per_seed() {
        std::vector<std::int32_t> cluster_of(300);
        for (std::size_t node = 0; node < cluster_of.size(); ++node) cluster_of[node] = static_cast<std::int32_t>((node * 7) % 12);
        bool made_without_graph = true;
        const auto draw = [&](std::uint64_t seed) {
            ClusterBatcher batcher(cluster_of, 12, seed);
            std::vector<std::int32_t> order;
            for (int b = 0; b < 9; ++b) {  // two epochs and a bit, with 5 clusters per batch (5, 5, 2)
                const ClusterBatch batch = batcher.next(5);
                made_without_graph = made_without_graph && batch.adjacency.rows == 0 && batch.adjacency.nnz() == 0;
                order.insert(order.end(), batch.clusters.begin(), batch.clusters.end());
            }
            return order;
        };
        QCOMPARE(draw(4), draw(4));
        QVERIFY(draw(4) != draw(5));
        QVERIFY(made_without_graph);
        // Each epoch's order is a permutation, and the epochs differ.
        const std::vector<std::int32_t> order = draw(4);
        std::vector<std::int32_t> first(order.begin(), order.begin() + 12);
        std::vector<std::int32_t> second(order.begin() + 12, order.begin() + 24);
        QVERIFY(first != second);
        std::sort(first.begin(), first.end());
        std::sort(second.begin(), second.end());
        std::vector<std::int32_t> all(12);
        std::iota(all.begin(), all.end(), 0);
        QCOMPARE(first, all);
        QCOMPARE(second, all);
    }

    void cluster_batcher_refuses_bad_arguments() {
        const std::vector<std::int32_t> cluster_of{0, 1, 2, 1, 0};
        ClusterBatcher batcher(cluster_of, 4, 1);  // cluster 3 is empty, which is allowed
        QCOMPARE(batcher.cluster_nodes(3).size(), std::size_t{0});
        // q above p is an error, not clamped.
        const QString too_many = error_of<std::invalid_argument>([&] { batcher.next(5); });
        QVERIFY2(too_many.contains("5 clusters per batch") && too_many.contains("1..4"), qPrintable(too_many));
        QVERIFY(!error_of<std::invalid_argument>([&] { batcher.batches_per_epoch(0); }).isEmpty());
        QCOMPARE(batcher.next(4).nodes, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        QVERIFY(error_of<std::invalid_argument>([&] { ClusterBatcher(cluster_of, 2, 1); }).contains("node 2"));
        const HostCsr path = path_with_isolated_node();
        QVERIFY(error_of<std::invalid_argument>([&] { ClusterBatcher(path, std::vector<std::int32_t>{0, 0}, 1, 1); })
                    .contains("partition has 2 nodes"));
    }

    void induced_subgraph_checks_its_nodes_and_recovers_from_errors() {
        const HostCsr path = path_with_isolated_node();
        QVERIFY(error_of<std::invalid_argument>([&] { induced_subgraph(path, std::vector<std::int64_t>{2, 1}); })
                    .contains("sorted"));
        QVERIFY(!error_of<std::invalid_argument>([&] { induced_subgraph(path, std::vector<std::int64_t>{0, 5}); }).isEmpty());
        // A malformed chosen row is found after the map was filled; the map must be clean afterwards.
        HostCsr broken = path;
        broken.column_indices[static_cast<std::size_t>(broken.row_offsets[3])] = 7;
        QVERIFY(error_of<std::invalid_argument>([&] { induced_subgraph(broken, std::vector<std::int64_t>{1, 2, 3}); })
                    .contains("row 3"));
        // Nodes 1, 2, 3: the path 1-2-3 and 2's self-loop, in local ids 0, 1, 2.
        const HostCsr subgraph = induced_subgraph(path, std::vector<std::int64_t>{1, 2, 3});
        QCOMPARE(dense(subgraph), (Dense{{0, 1, 0}, {1, 1, 1}, {0, 1, 0}}));
        const HostCsr ends = induced_subgraph(path, std::vector<std::int64_t>{0, 3});
        QCOMPARE(ends.nnz(), std::int64_t{0});
    }

    void induced_subgraph_of_a_large_node_set_matches_a_plain_restriction() {
        // Enough nodes for the blocks-per-thread path; checked against a plain restriction by binary search.
        SyntheticGraphSpec spec;
        spec.nodes = 20000;
        spec.features = 1;
        spec.average_degree = 8;
        const NodeGraph graph = generate_synthetic_graph(spec);
        std::vector<std::int64_t> nodes;
        for (std::int64_t node = 0; node < graph.nodes; ++node) {
            if (node % 7 != 0) nodes.push_back(node);
        }
        const HostCsr subgraph = induced_subgraph(graph.adjacency, nodes);
        QCOMPARE(subgraph.rows, static_cast<std::int64_t>(nodes.size()));
        subgraph.check_consistency();
        HostCsr expected;
        expected.cols = static_cast<std::int64_t>(nodes.size());
        for (const std::int64_t node : nodes) {
            std::vector<std::int32_t> columns;
            for (const std::int32_t neighbour : graph.adjacency.row_columns(node)) {
                const auto found = std::lower_bound(nodes.begin(), nodes.end(), std::int64_t{neighbour});
                if (found != nodes.end() && *found == neighbour) columns.push_back(static_cast<std::int32_t>(found - nodes.begin()));
            }
            expected.append_row(columns, std::vector<float>(columns.size(), 1.0f));
        }
        QCOMPARE(subgraph.row_offsets, expected.row_offsets);
        QCOMPARE(subgraph.column_indices, expected.column_indices);
        QCOMPARE(subgraph.values, expected.values);
        // Every node: the graph itself.
        std::vector<std::int64_t> every_node(static_cast<std::size_t>(graph.nodes));
        std::iota(every_node.begin(), every_node.end(), 0);
        const HostCsr whole = induced_subgraph(graph.adjacency, every_node);
        QCOMPARE(whole.row_offsets, graph.adjacency.row_offsets);
        QCOMPARE(whole.column_indices, graph.adjacency.column_indices);
    }

    void partition_file_round_trip_and_errors() {
        QTemporaryDir folder;
        const fs::path file = fs::path(folder.path().toStdString()) / "clusters.txt";
        const std::vector<std::int32_t> clusters{3, 0, 2, 2, 1, 0, 2147483647};
        write_partition_file(file, clusters);
        QCOMPARE(read_partition_file(file, 7), clusters);

        write(file, "0\n1\nx\n2\n");
        QString message = error_of<DataError>([&] { read_partition_file(file, 4); });
        QVERIFY2(message.contains("clusters.txt:3") && message.contains("'x'"), qPrintable(message));
        write(file, "0\n1\n-1\n");
        message = error_of<DataError>([&] { read_partition_file(file, 3); });
        QVERIFY2(message.contains("clusters.txt:3") && message.contains("-1"), qPrintable(message));
        write(file, "0\n1,2\n");
        QVERIFY(error_of<DataError>([&] { read_partition_file(file, 2); }).contains("clusters.txt:2"));
        write(file, "0\n1\n");
        message = error_of<DataError>([&] { read_partition_file(file, 3); });
        QVERIFY2(message.contains("clusters.txt:2") && message.contains("3 nodes"), qPrintable(message));
        write(file, "0\n1\n2\n");
        message = error_of<DataError>([&] { read_partition_file(file, 2); });
        QVERIFY2(message.contains("clusters.txt:3") && message.contains("more lines"), qPrintable(message));
        QVERIFY(error_of<DataError>([&] { read_partition_file(file.parent_path() / "absent.txt", 1); }).contains("absent.txt"));
        QVERIFY(error_of<DataError>([&] { write_partition_file(file.parent_path() / "no" / "such" / "folder.txt", clusters); })
                    .contains("folder.txt"));
    }
};

QTEST_APPLESS_MAIN(TestGraphPartition)
#include "test_graph_partition.moc"
