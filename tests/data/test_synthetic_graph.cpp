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
};

QTEST_APPLESS_MAIN(TestSyntheticGraph)
#include "test_synthetic_graph.moc"
