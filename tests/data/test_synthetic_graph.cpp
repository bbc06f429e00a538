// The synthetic graph generator: the requested size, symmetric adjacency without duplicates, the same
// graph for the same seed, homophily near the request, and multi-label rows of the requested size.

#include <QtTest>

#include <algorithm>
#include <vector>

#include "core/data/graph/synthetic_graph.h"

using namespace tb;

namespace {

bool is_symmetric_without_duplicates(const HostCsr& adjacency) {
    for (std::int64_t node = 0; node < adjacency.rows; ++node) {
        const auto row = adjacency.row_columns(node);
        if (std::adjacent_find(row.begin(), row.end(), [](auto a, auto b) { return a >= b; }) != row.end()) return false;
        for (const std::int32_t neighbour : row) {
            const auto back = adjacency.row_columns(neighbour);
            if (!std::binary_search(back.begin(), back.end(), static_cast<std::int32_t>(node))) return false;
        }
    }
    return true;
}

}  // namespace

class TestSyntheticGraph : public QObject {
    Q_OBJECT

private slots:
    void has_the_requested_shape() {
        const NodeGraph graph = generate_synthetic_graph(SyntheticGraphSpec{});  // Cora-sized
        QCOMPARE(graph.nodes, 2708);
        QCOMPARE(graph.features.rows, 2708);
        QCOMPARE(graph.features.cols, 1433);
        QCOMPARE(graph.labels.cols, 7);
        QVERIFY(is_symmetric_without_duplicates(graph.adjacency));
        // Duplicates and dropped self-loops take a little off the requested 3.9 entries per node.
        const double degree = static_cast<double>(graph.adjacency.nnz()) / 2708.0;
        QVERIFY2(degree > 3.5 && degree < 4.1, qPrintable(QString::number(degree)));
    }

    void is_deterministic_per_seed() {
        SyntheticGraphSpec spec;
        spec.nodes = 1000;
        spec.features = 16;
        const NodeGraph first = generate_synthetic_graph(spec);
        const NodeGraph again = generate_synthetic_graph(spec);
        QVERIFY(first.adjacency.column_indices == again.adjacency.column_indices);
        QVERIFY(first.features.values == again.features.values);
        QVERIFY(first.labels.column_indices == again.labels.column_indices);
        spec.seed = 2;
        const NodeGraph other = generate_synthetic_graph(spec);
        QVERIFY(first.adjacency.column_indices != other.adjacency.column_indices);
    }

    void homophily_is_near_the_request_data() {
        QTest::addColumn<double>("requested");
        QTest::newRow("0.9") << 0.9;
        QTest::newRow("0.5") << 0.5;
        QTest::newRow("0.1") << 0.1;
    }

    void homophily_is_near_the_request() {
        QFETCH(double, requested);
        SyntheticGraphSpec spec;
        spec.nodes = 5000;
        spec.average_degree = 10.0;
        spec.features = 4;
        spec.intra_class_fraction = requested;
        const double measured = intra_class_edge_fraction(generate_synthetic_graph(spec));
        QVERIFY2(std::abs(measured - requested) < 0.03, qPrintable(QString::number(measured)));
    }

    void multi_label_rows_have_the_requested_size() {
        SyntheticGraphSpec spec;
        spec.nodes = 500;
        spec.features = 8;
        spec.classes = 10;
        spec.multi_label_count = 121;
        spec.labels_per_node = 5;
        const NodeGraph graph = generate_synthetic_graph(spec);
        QVERIFY(graph.multi_label);
        QCOMPARE(graph.labels.cols, 121);
        for (std::int64_t node = 0; node < graph.nodes; ++node) QCOMPARE(graph.labels.row_nnz(node), 5);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, generate_synthetic_graph(SyntheticGraphSpec{.degree_exponent = 2.0}));
    }

    // The further labels follow the community: with label_signal s, the community's labels_per_node most
    // frequent further labels hold about s of them (plus what uniform draws add); with 0 they are noise.
    static double share_in_community_top_labels(double label_signal) {
        SyntheticGraphSpec spec;
        spec.nodes = 4'000;
        spec.features = 4;
        spec.classes = 8;
        spec.multi_label_count = 121;
        spec.labels_per_node = 20;
        spec.label_signal = label_signal;
        const NodeGraph graph = generate_synthetic_graph(spec);
        std::vector<std::vector<std::int64_t>> counts(8, std::vector<std::int64_t>(121, 0));
        std::vector<std::int64_t> further(8, 0);
        for (std::int64_t node = 0; node < graph.nodes; ++node) {
            // A node's community is its only label below `classes` that every node of it shares; recover
            // it as the generator's first label, the community, by majority over the node's labels < 8.
            const auto labels = graph.labels.row_columns(node);
            std::int32_t community = -1;
            for (const std::int32_t label : labels) {
                if (label < 8) community = label;  // usually one; a stray further label < 8 only adds noise
            }
            for (const std::int32_t label : labels) {
                if (label == community) continue;
                ++counts[static_cast<std::size_t>(community)][static_cast<std::size_t>(label)];
                ++further[static_cast<std::size_t>(community)];
            }
        }
        std::int64_t in_top = 0;
        std::int64_t total = 0;
        for (std::size_t community = 0; community < 8; ++community) {
            std::vector<std::int64_t> sorted = counts[community];
            std::sort(sorted.rbegin(), sorted.rend());
            for (std::size_t k = 0; k < 20; ++k) in_top += sorted[k];
            total += further[community];
        }
        return static_cast<double>(in_top) / static_cast<double>(total);
    }

    void multi_labels_follow_the_community() {
        const double learnable = share_in_community_top_labels(0.8);
        const double noise = share_in_community_top_labels(0.0);
        QVERIFY2(learnable > 0.5 && learnable > 2 * noise, qPrintable(QString::number(learnable)));
        QVERIFY2(noise < 0.3, qPrintable(QString::number(noise)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, generate_synthetic_graph(SyntheticGraphSpec{.label_signal = 1.5}));
    }
};

QTEST_APPLESS_MAIN(TestSyntheticGraph)
#include "test_synthetic_graph.moc"
