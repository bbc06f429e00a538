// The graph readers on the real data (Cora in the OGB layout, MUTAG in the TU format) and on broken
// copies of small graphs: every malformed file is an error that names the file and the line.

#include <QTemporaryDir>
#include <QtTest>

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>

#include "core/data/data_paths.h"
#include "core/data/graph/ogb_node_reader.h"
#include "core/data/graph/tu_collection_reader.h"
#include "core/errors.h"

using namespace tb;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

void write_gzip(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    gzFile out = gzopen(file.c_str(), "wb");
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
}

// A 4-node path graph with 2 features, 2 classes and one node in each of train and valid, two in test.
fs::path small_ogb_graph(const QTemporaryDir& folder) {
    const fs::path root = fs::path(folder.path().toStdString()) / "small";
    write(root / "raw" / "num-node-list.csv", "4\n");
    write(root / "raw" / "num-edge-list.csv", "3\n");
    write(root / "raw" / "edge.csv", "0,1\n1,2\n2,3\n");
    write(root / "raw" / "node-feat.csv", "1,0\n0,1\n1,1\n0.5,-2\n");
    write(root / "raw" / "node-label.csv", "0\n1\n1\n0\n");
    write(root / "split" / "s" / "train.csv", "0\n");
    write(root / "split" / "s" / "valid.csv", "1\n");
    write(root / "split" / "s" / "test.csv", "2\n3\n");
    return root;
}

// Two triangles as a TU collection (both directions of each edge listed, as TU files do).
fs::path small_tu_collection(const QTemporaryDir& folder) {
    const fs::path root = fs::path(folder.path().toStdString()) / "TINY";
    write(root / "TINY_graph_indicator.txt", "1\n1\n1\n2\n2\n2\n");
    write(root / "TINY_A.txt", "1, 2\n2, 1\n2, 3\n3, 2\n1, 3\n3, 1\n4, 5\n5, 4\n5, 6\n6, 5\n");
    write(root / "TINY_graph_labels.txt", "1\n-1\n");
    write(root / "TINY_node_labels.txt", "0\n2\n0\n2\n2\n0\n");
    return root;
}

QString error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const DataError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

}  // namespace

class GraphReadersTest : public QObject {
    Q_OBJECT
private slots:
    void reads_cora_in_the_ogb_layout() {
        const auto shared = shared_data_folder();
        if (!shared || !fs::exists(*shared / "graphs" / "cora" / "raw")) {
            QSKIP("Cora is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
        }
        const NodeGraph cora = read_ogb_node_graph(*shared / "graphs" / "cora", "planetoid");
        QCOMPARE(cora.nodes, std::int64_t{2708});
        QCOMPARE(cora.undirected_edges(), std::int64_t{5278});
        QCOMPARE(cora.adjacency.nnz(), std::int64_t{10556});
        QCOMPARE(cora.features.cols, std::int64_t{1433});
        QCOMPARE(cora.labels.cols, std::int64_t{7});
        QVERIFY(!cora.multi_label);
        QCOMPARE(cora.splits.at("train").size(), std::size_t{140});
        QCOMPARE(cora.splits.at("valid").size(), std::size_t{500});
        QCOMPARE(cora.splits.at("test").size(), std::size_t{1000});
        // Symmetric: every edge is in both rows.
        for (std::int64_t u = 0; u < cora.nodes; ++u) {
            for (std::int32_t v : cora.adjacency.row_columns(u)) {
                const auto row = cora.adjacency.row_columns(v);
                QVERIFY(std::binary_search(row.begin(), row.end(), static_cast<std::int32_t>(u)));
            }
        }
        cora.adjacency.check_consistency();
        // The reader finds the only split folder by itself.
        QCOMPARE(read_ogb_node_graph(*shared / "graphs" / "cora").splits.at("test").size(), std::size_t{1000});
    }

    void reads_mutag_in_the_tu_format() {
        const auto shared = shared_data_folder();
        if (!shared || !fs::exists(*shared / "graphs" / "MUTAG")) {
            QSKIP("MUTAG is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
        }
        const GraphCollection mutag = read_tu_collection(*shared / "graphs" / "MUTAG");
        QCOMPARE(mutag.graphs(), std::int64_t{188});
        QCOMPARE(mutag.nodes(), std::int64_t{3371});
        QCOMPARE(mutag.node_label_values.size(), std::size_t{7});
        QCOMPARE(mutag.graph_label_values, (std::vector<std::int64_t>{-1, 1}));
        QCOMPARE(mutag.adjacency.nnz(), std::int64_t{7442});  // both directions listed, no repeats
        const auto positives = std::count(mutag.graph_labels.begin(), mutag.graph_labels.end(), 1);
        qInfo("MUTAG: %lld of 188 graphs labelled 1", static_cast<long long>(positives));
        QCOMPARE(positives, 125);  // as `grep -c "^1" MUTAG_graph_labels.txt` counts them
    }

    void reads_small_graphs_plain_and_gzipped() {
        QTemporaryDir folder;
        const fs::path root = small_ogb_graph(folder);
        NodeGraph graph = read_ogb_node_graph(root);
        QCOMPARE(graph.adjacency.nnz(), std::int64_t{6});
        QCOMPARE(graph.features.at(3, 1), -2.0f);
        QCOMPARE(graph.labels.row_columns(2)[0], 1);
        // The same edges gzipped, as OGB ships them.
        fs::remove(root / "raw" / "edge.csv");
        write_gzip(root / "raw" / "edge.csv.gz", "0,1\n1,2\n2,3\n");
        graph = read_ogb_node_graph(root);
        QCOMPARE(graph.undirected_edges(), std::int64_t{3});
        // Multi-label: 0/1 columns.
        write(root / "raw" / "node-label.csv", "1,0,1\n0,0,1\n1,1,1\n0,0,0\n");
        graph = read_ogb_node_graph(root);
        QVERIFY(graph.multi_label);
        QCOMPARE(graph.labels.cols, std::int64_t{3});
        QCOMPARE(graph.labels.row_nnz(2), std::int64_t{3});

        const GraphCollection tiny = read_tu_collection(small_tu_collection(folder));
        QCOMPARE(tiny.graph_offsets, (std::vector<std::int64_t>{0, 3, 6}));
        QCOMPARE(tiny.graph_labels, (std::vector<std::int32_t>{1, 0}));
        QCOMPARE(tiny.node_label_values, (std::vector<std::int64_t>{0, 2}));
        QCOMPARE(tiny.adjacency.nnz(), std::int64_t{10});
    }

    void malformed_ogb_files_name_the_file_and_line_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("edge to a missing node") << "raw/edge.csv" << "0,1\n1,4\n2,3\n" << "edge.csv:2: node 4 does not exist (the graph has 4 nodes, ids 0 to 3)";
        QTest::newRow("edge count") << "raw/edge.csv" << "0,1\n1,2\n" << "holds 2 edges, but num-edge-list says 3";
        QTest::newRow("edge field") << "raw/edge.csv" << "0,1\n1;2\n2,3\n" << "edge.csv:2: expected an edge 'u,v', found 1 fields";
        QTest::newRow("feature width") << "raw/node-feat.csv" << "1,0\n0,1,2\n1,1\n0,0\n" << "node-feat.csv:2: a feature row of 3 values, but the rows above have 2";
        QTest::newRow("feature value") << "raw/node-feat.csv" << "1,0\n0,x\n1,1\n0,0\n" << "node-feat.csv:2: expected a feature value (a finite number), found 'x'";
        QTest::newRow("feature rows") << "raw/node-feat.csv" << "1,0\n0,1\n" << "holds 2 feature rows for 4 nodes";
        QTest::newRow("negative class") << "raw/node-label.csv" << "0\n-1\n1\n0\n" << "node-label.csv:2: a class id must be 0 or more";
        QTest::newRow("split id out of range") << "split/s/test.csv" << "2\n9\n" << "test.csv:2: split id 9 is out of range";
        QTest::newRow("split id twice") << "split/s/test.csv" << "2\n2\n" << "test.csv:2: node 2 is listed twice";
        QTest::newRow("node count") << "raw/num-node-list.csv" << "four\n" << "num-node-list.csv:1: expected a node count";
    }
    void malformed_ogb_files_name_the_file_and_line() {
        QFETCH(QString, file);
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QTemporaryDir folder;
        const fs::path root = small_ogb_graph(folder);
        write(root / file.toStdString(), text.toStdString());
        const QString error = error_of([&] { read_ogb_node_graph(root); });
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void a_truncated_gzip_is_named() {
        QTemporaryDir folder;
        const fs::path root = small_ogb_graph(folder);
        std::string edges;
        for (int i = 0; i < 20000; ++i) edges += "0,1\n";
        write(root / "raw" / "num-edge-list.csv", "20000\n");
        fs::remove(root / "raw" / "edge.csv");
        const fs::path gz = root / "raw" / "edge.csv.gz";
        write_gzip(gz, edges);
        fs::resize_file(gz, fs::file_size(gz) / 2);
        const QString error = error_of([&] { read_ogb_node_graph(root); });
        QVERIFY2(error.contains("edge.csv.gz:") && error.contains("truncated"), qPrintable(error));
        // A missing file names what was looked for.
        fs::remove(gz);
        QVERIFY(error_of([&] { read_ogb_node_graph(root); }).contains("neither edge.csv.gz nor edge.csv"));
    }

    void malformed_tu_files_name_the_file_and_line_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("indicator not sorted") << "TINY_graph_indicator.txt" << "1\n1\n2\n1\n2\n2\n" << "graph_indicator.txt:4: node 4 is in graph 1 after a node of graph 2";
        QTest::newRow("indicator starts at 0") << "TINY_graph_indicator.txt" << "0\n1\n1\n2\n2\n2\n" << "graph_indicator.txt:1: node 1 is in graph 0; the first node must be in graph 1";
        QTest::newRow("indicator skips a graph") << "TINY_graph_indicator.txt" << "1\n1\n1\n3\n3\n3\n" << "graph_indicator.txt:4: node 4 is in graph 3 after a node of graph 1";
        QTest::newRow("edge to a missing node") << "TINY_A.txt" << "1, 2\n2, 7\n" << "TINY_A.txt:2: node 7 does not exist (the indicator lists 6 nodes, ids 1 to 6)";
        QTest::newRow("edge across graphs") << "TINY_A.txt" << "1, 2\n3, 4\n" << "TINY_A.txt:2: the edge joins node 3 of graph 1 and node 4 of graph 2";
        QTest::newRow("graph label count") << "TINY_graph_labels.txt" << "1\n" << "holds 1 labels for the 2 graphs";
        QTest::newRow("node label") << "TINY_node_labels.txt" << "0\n2\nC\n2\n2\n0\n" << "node_labels.txt:3: expected a node label (a whole number), found 'C'";
        QTest::newRow("attribute width") << "TINY_node_attributes.txt" << "1,2\n1,2\n1\n1,2\n1,2\n1,2\n" << "node_attributes.txt:3: 1 attributes, but the rows above have 2";
    }
    void malformed_tu_files_name_the_file_and_line() {
        QFETCH(QString, file);
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QTemporaryDir folder;
        const fs::path root = small_tu_collection(folder);
        write(root / file.toStdString(), text.toStdString());
        const QString error = error_of([&] { read_tu_collection(root); });
        QVERIFY2(error.contains(expected), qPrintable(error));
    }
};

QTEST_APPLESS_MAIN(GraphReadersTest)
#include "test_graph_readers.moc"
