// The Extreme Classification Repository text reader: small files written here (well formed, and every
// kind of malformed line, each error naming the file and the line), the real Bibtex split, and speed.

#include <QtTest>

#include <zlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/data_paths.h"
#include "core/data/xmlc_text_reader.h"
#include "core/errors.h"

using namespace tb;

namespace {

std::filesystem::path write_text(const QTemporaryDir& folder, const QString& name, const QByteArray& content) {
    const QString path = folder.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()) qFatal("cannot write %s", qPrintable(path));
    return path.toStdString();
}

std::filesystem::path write_gzip(const QTemporaryDir& folder, const QString& name, const QByteArray& content) {
    const std::string path = folder.filePath(name).toStdString();
    gzFile file = gzopen(path.c_str(), "wb");
    if (file == nullptr || gzwrite(file, content.constData(), static_cast<unsigned>(content.size())) != content.size()) {
        qFatal("cannot write %s", path.c_str());
    }
    gzclose(file);
    return path;
}

std::vector<std::int32_t> columns_of(const HostCsr& csr, std::int64_t row) {
    const auto columns = csr.row_columns(row);
    return {columns.begin(), columns.end()};
}

std::vector<float> values_of(const HostCsr& csr, std::int64_t row) {
    const auto values = csr.row_values(row);
    return {values.begin(), values.end()};
}

}  // namespace

class XmlcReaderTest : public QObject {
    Q_OBJECT

private slots:
    void reads_labels_features_and_empty_label_sets() {
        QTemporaryDir folder;
        // Row 2 has no labels and starts with a space, row 4 none and starts with a feature; row 3 is
        // out of order and must come back sorted; row 5 has labels but no features.
        const auto path = write_text(folder, "tiny_train.txt",
                                     "5 6 3\n"
                                     "0,2 0:1.5 3:2\n"
                                     " 1:0.5\n"
                                     "2 5:1 0:0.25 3:1e-2\n"
                                     "1:1 2:3\n"
                                     "1\n");
        const Dataset data = read_xmlc_text(path);
        QCOMPARE(data.name, std::string("tiny_train"));
        QCOMPARE(data.source, path.string());
        QVERIFY(data.task == TaskKind::multi_label);
        QVERIFY(data.sparse_features);
        QCOMPARE(data.num_samples(), 5);
        QCOMPARE(data.num_features(), 6);
        QCOMPARE(data.num_labels(), 3);
        QCOMPARE(data.sparse.rows, 5);
        data.sparse.check_consistency();
        data.labels.check_consistency();

        QCOMPARE(columns_of(data.sparse, 0), (std::vector<std::int32_t>{0, 3}));
        QCOMPARE(values_of(data.sparse, 0), (std::vector<float>{1.5f, 2.0f}));
        QCOMPARE(columns_of(data.labels, 0), (std::vector<std::int32_t>{0, 2}));
        QCOMPARE(values_of(data.labels, 0), (std::vector<float>{1.0f, 1.0f}));

        QCOMPARE(columns_of(data.sparse, 1), (std::vector<std::int32_t>{1}));
        QCOMPARE(data.labels.row_nnz(1), 0);

        QCOMPARE(columns_of(data.sparse, 2), (std::vector<std::int32_t>{0, 3, 5}));
        QCOMPARE(values_of(data.sparse, 2), (std::vector<float>{0.25f, 0.01f, 1.0f}));
        QCOMPARE(columns_of(data.labels, 2), (std::vector<std::int32_t>{2}));

        QCOMPARE(columns_of(data.sparse, 3), (std::vector<std::int32_t>{1, 2}));
        QCOMPARE(data.labels.row_nnz(3), 0);

        QCOMPARE(data.sparse.row_nnz(4), 0);
        QCOMPARE(columns_of(data.labels, 4), (std::vector<std::int32_t>{1}));
    }

    void accepts_windows_line_ends_and_a_trailing_blank_line() {
        QTemporaryDir folder;
        const auto path = write_text(folder, "crlf.txt", "2 3 2\r\n1 0:1 2:2\r\n0 1:3\r\n\r\n");
        const Dataset data = read_xmlc_text(path);
        QCOMPARE(data.num_samples(), 2);
        QCOMPARE(columns_of(data.sparse, 0), (std::vector<std::int32_t>{0, 2}));
        QCOMPARE(values_of(data.sparse, 1), (std::vector<float>{3.0f}));
    }

    void reads_gzip_compressed_files() {
        QTemporaryDir folder;
        const auto path = write_gzip(folder, "packed_train.txt.gz", "2 3 2\n1 0:1 2:2\n0 1:3\n");
        const Dataset data = read_xmlc_text(path);
        QCOMPARE(data.name, std::string("packed_train"));
        QCOMPARE(data.num_samples(), 2);
        QCOMPARE(columns_of(data.labels, 1), (std::vector<std::int32_t>{0}));
    }

    void reads_a_file_without_samples() {
        QTemporaryDir folder;
        const Dataset data = read_xmlc_text(write_text(folder, "none.txt", "0 10 4\n"));
        QCOMPARE(data.num_samples(), 0);
        QCOMPARE(data.num_features(), 10);
        QCOMPARE(data.num_labels(), 4);
    }

    void rejects_malformed_files_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty file") << QByteArray("") << 1 << "found an empty file";
        QTest::newRow("header with two numbers") << QByteArray("2 3\n0 1:1\n") << 1 << "expected a header";
        QTest::newRow("header not numeric") << QByteArray("two 3 4\n0 1:1\n") << 1 << "found 'two 3 4'";
        QTest::newRow("header with four numbers") << QByteArray("1 3 4 5\n0 1:1\n") << 1 << "nothing after them";
        QTest::newRow("no header") << QByteArray("0,1 1:1 2:1\n") << 1 << "expected a header";
        QTest::newRow("header without labels") << QByteArray("1 3 0\n 1:1\n") << 1 << "labels";
        QTest::newRow("feature id out of range") << QByteArray("2 3 2\n0 0:1\n1 3:1\n") << 3 << "feature id in [0, 2], found 3";
        QTest::newRow("negative feature id") << QByteArray("1 3 2\n0 -1:1\n") << 2 << "feature id >= 0";
        QTest::newRow("label out of range") << QByteArray("2 3 2\n0 0:1\n0,2 1:1\n") << 3 << "label id in [0, 1], found 2";
        QTest::newRow("missing colon") << QByteArray("1 3 2\n0 1 2:1\n") << 2 << "expected ':' after feature id 1";
        QTest::newRow("missing value") << QByteArray("1 3 2\n0 1: 2:1\n") << 2 << "expected a number after '1:'";
        QTest::newRow("value not numeric") << QByteArray("1 3 2\n0 1:abc\n") << 2 << "found 'abc'";
        QTest::newRow("value with trailing text") << QByteArray("1 3 2\n0 1:2x\n") << 2 << "expected a space after the value";
        QTest::newRow("value not finite") << QByteArray("1 3 2\n0 1:nan\n") << 2 << "expected a finite value";
        QTest::newRow("value overflowing a float") << QByteArray("1 3 2\n0 1:1e60\n") << 2 << "expected a finite value";
        QTest::newRow("value overflowing a double") << QByteArray("1 3 2\n0 1:1e999\n") << 2 << "within the range of a float";
        QTest::newRow("feature twice") << QByteArray("1 3 2\n0 2:1 1:1 2:3\n") << 2 << "feature 2 twice";
        QTest::newRow("label twice") << QByteArray("1 3 2\n1,1 1:1\n") << 2 << "label 1 twice";
        QTest::newRow("bad label separator") << QByteArray("1 3 2\n0;1 1:1\n") << 2 << "expected ',' or a space after label 0";
        QTest::newRow("empty label in list") << QByteArray("1 3 2\n0, 1:1\n") << 2 << "expected a label id";
        QTest::newRow("too few lines") << QByteArray("3 3 2\n0 1:1\n1 2:1\n") << 4 << "expected 3 sample lines, found only 2";
        QTest::newRow("too many lines") << QByteArray("1 3 2\n0 1:1\n1 2:1\n") << 3 << "found more lines";
        QTest::newRow("extra line after a blank one") << QByteArray("1 3 2\n0 1:1\n\n1 2:1\n") << 4 << "found more lines";
        QTest::newRow("blank line inside") << QByteArray("2 3 2\n0 1:1\n\n1 2:1\n") << 3 << "found an empty line";
        QTest::newRow("comment") << QByteArray("1 3 2\n0 1:1 # note\n") << 2 << "found '#'";
    }

    void rejects_malformed_files() {
        QFETCH(QByteArray, content);
        QFETCH(int, line);
        QFETCH(QString, expected);
        QTemporaryDir folder;
        const auto path = write_text(folder, "broken.txt", content);
        try {
            read_xmlc_text(path);
            QFAIL("no DataError for a malformed file");
        } catch (const DataError& error) {
            const QString message = QString::fromUtf8(error.what());
            const QString location = QString::fromStdString(path.string()) + ":" + QString::number(line) + ":";
            QVERIFY2(message.startsWith(location), qPrintable("expected '" + location + "' in: " + message));
            QVERIFY2(message.contains(expected), qPrintable("expected '" + expected + "' in: " + message));
        }
    }

    void rejects_a_truncated_gzip_file() {
        QTemporaryDir folder;
        QByteArray content = "400 50 5\n";
        for (int row = 0; row < 400; ++row) content += QByteArray::number(row % 5) + " " + QByteArray::number(row % 50) + ":0.5\n";
        const auto path = write_gzip(folder, "cut.txt.gz", content);
        QFile file(QString::fromStdString(path.string()));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(file.size() / 2));
        file.close();
        try {
            read_xmlc_text(path);
            QFAIL("no DataError for a truncated gzip file");
        } catch (const DataError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.startsWith(QString::fromStdString(path.string()) + ":"), qPrintable(message));
            QVERIFY2(message.contains("truncated"), qPrintable(message));
        }
    }

    void rejects_a_missing_file() {
        QVERIFY_THROWS_EXCEPTION(DataError, read_xmlc_text("/nonexistent/folder/bibtex_train.txt"));
    }

    void reads_the_real_bibtex_split() {
        const auto shared = shared_data_folder();
        if (!shared || !std::filesystem::exists(*shared / "xmlc" / "bibtex_train.txt")) {
            QSKIP("Bibtex is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
        }
        const Dataset train = read_xmlc_text(*shared / "xmlc" / "bibtex_train.txt");
        const Dataset test = read_xmlc_text(*shared / "xmlc" / "bibtex_test.txt");
        QCOMPARE(train.name, std::string("bibtex_train"));
        QCOMPARE(train.num_samples(), 4880);
        QCOMPARE(test.num_samples(), 2515);
        QCOMPARE(train.num_features(), 1836);
        QCOMPARE(test.num_features(), 1836);
        QCOMPARE(train.num_labels(), 159);
        QCOMPARE(test.num_labels(), 159);
        QCOMPARE(train.sparse.nnz(), 334250);  // counted with awk over the file
        train.sparse.check_consistency();
        train.labels.check_consistency();
        test.sparse.check_consistency();

        // Rows read by hand from the files.
        QCOMPARE(columns_of(train.labels, 0), (std::vector<std::int32_t>{3, 23, 61, 63, 76}));
        QCOMPARE(train.sparse.row_nnz(0), 87);
        QCOMPARE(train.sparse.row_columns(0)[0], 0);
        QCOMPARE(train.sparse.row_columns(0)[1], 5);
        QCOMPARE(train.sparse.row_columns(0)[2], 6);
        QCOMPARE(train.sparse.row_columns(0)[86], 1810);
        QCOMPARE(train.sparse.row_values(0)[0], 1.0f);
        QCOMPARE(columns_of(train.labels, 4879), (std::vector<std::int32_t>{48, 117}));
        QCOMPARE(train.sparse.row_nnz(4879), 52);
        QCOMPARE(train.sparse.row_columns(4879)[0], 44);
        QCOMPARE(train.sparse.row_columns(4879)[51], 1813);
        QCOMPARE(columns_of(test.labels, 0), (std::vector<std::int32_t>{16, 27, 77}));
        QCOMPARE(test.sparse.row_nnz(0), 113);
        QCOMPARE(test.sparse.row_columns(0)[112], 1831);
        QCOMPARE(columns_of(test.labels, 2514), (std::vector<std::int32_t>{6}));
        QCOMPARE(test.sparse.row_columns(2514)[112], 1833);
    }

    // Guards against a slow path sneaking in (a stream read per token, a quadratic buffer): the reader
    // runs at hundreds of MB/s, so even a loaded machine clears this floor.
    void reads_a_large_file_quickly() {
        QTemporaryDir folder;
        constexpr int rows = 60'000;
        constexpr int features = 100'000;
        QByteArray content = QByteArray::number(rows) + " " + QByteArray::number(features) + " 5000\n";
        content.reserve(40 << 20);
        std::uint64_t state = 7;
        const auto next = [&state](std::uint64_t bound) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            return (state >> 33) % bound;
        };
        for (int row = 0; row < rows; ++row) {
            const std::uint64_t first_label = next(4000);
            content += QByteArray::number(first_label) + "," + QByteArray::number(first_label + 1 + next(999));
            std::uint64_t column = next(100);
            for (int k = 0; k < 60; ++k) {
                content += " " + QByteArray::number(column) + ":0." + QByteArray::number(next(999'999) + 1);
                column += 1 + next(1500);
                if (column >= features) break;
            }
            content += "\n";
        }
        const auto path = write_text(folder, "large.txt", content);
        const auto start = std::chrono::steady_clock::now();
        const Dataset data = read_xmlc_text(path);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double megabytes_per_second = static_cast<double>(content.size()) / 1e6 / seconds;
        qInfo("read %.1f MB (%lld non-zeros) in %.3f s: %.0f MB/s", static_cast<double>(content.size()) / 1e6,
              static_cast<long long>(data.sparse.nnz()), seconds, megabytes_per_second);
        QCOMPARE(data.num_samples(), rows);
        QVERIFY2(megabytes_per_second > 20.0, "the XMLC reader is far slower than it should be");
    }
};

QTEST_GUILESS_MAIN(XmlcReaderTest)
#include "test_xmlc_reader.moc"
