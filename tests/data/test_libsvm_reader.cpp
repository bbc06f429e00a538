// The libsvm reader: single-label (1-based ids, -1/+1 binary labels, comments, blank lines),
// multi-label, the options, and every malformed line naming the file and the line.

#include <QtTest>

#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/data/libsvm_reader.h"
#include "core/errors.h"

using namespace tb;

namespace {

std::filesystem::path write_text(const QTemporaryDir& folder, const QString& name, const QByteArray& content) {
    const QString path = folder.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()) qFatal("cannot write %s", qPrintable(path));
    return path.toStdString();
}

std::vector<std::int32_t> columns_of(const HostCsr& csr, std::int64_t row) {
    const auto columns = csr.row_columns(row);
    return {columns.begin(), columns.end()};
}

std::vector<std::int32_t> single_labels(const Dataset& data) {
    std::vector<std::int32_t> labels;
    for (std::int64_t row = 0; row < data.num_samples(); ++row) {
        if (data.labels.row_nnz(row) != 1) return {};
        labels.push_back(data.labels.row_columns(row)[0]);
    }
    return labels;
}

}  // namespace

class LibsvmReaderTest : public QObject {
    Q_OBJECT

private slots:
    void reads_single_label_one_based_files() {
        QTemporaryDir folder;
        const auto path = write_text(folder, "digits.svm",
                                     "# written by hand\n"
                                     "1 1:0.5 3:1\n"
                                     "2 4:2 2:1   # unsorted, with a comment\n"
                                     "\n"
                                     "0 7:-1.5\n");
        const Dataset data = read_libsvm(path, LibsvmOptions{});
        QCOMPARE(data.name, std::string("digits"));
        QVERIFY(data.task == TaskKind::single_label);
        QCOMPARE(data.num_samples(), 3);
        QCOMPARE(data.num_features(), 7);  // largest id 7, read 1-based
        QCOMPARE(data.num_labels(), 3);
        QCOMPARE(single_labels(data), (std::vector<std::int32_t>{1, 2, 0}));
        QCOMPARE(columns_of(data.sparse, 0), (std::vector<std::int32_t>{0, 2}));
        QCOMPARE(columns_of(data.sparse, 1), (std::vector<std::int32_t>{1, 3}));
        QCOMPARE(data.sparse.row_values(1)[1], 2.0f);
        QCOMPARE(data.sparse.row_values(2)[0], -1.5f);
        data.sparse.check_consistency();
        data.labels.check_consistency();
    }

    void maps_binary_minus_one_plus_one_to_classes_zero_and_one() {
        QTemporaryDir folder;
        const auto path = write_text(folder, "a1a.svm", "+1 1:1\n-1 2:1\n-1 3:1\n1 1:1\n");
        const Dataset data = read_libsvm(path, LibsvmOptions{});
        QCOMPARE(data.num_labels(), 2);
        QCOMPARE(single_labels(data), (std::vector<std::int32_t>{1, 0, 0, 1}));
    }

    void honours_the_options() {
        QTemporaryDir folder;
        const auto path = write_text(folder, "zero.svm", "0 0:1 2:1\n1 1:1\n");
        const Dataset data = read_libsvm(path, LibsvmOptions{.multi_label = false, .num_features = 10, .num_labels = 4,
                                                             .zero_based = true});
        QCOMPARE(data.num_features(), 10);
        QCOMPARE(data.num_labels(), 4);
        QCOMPARE(columns_of(data.sparse, 0), (std::vector<std::int32_t>{0, 2}));
    }

    void reads_multi_label_files() {
        QTemporaryDir folder;
        const auto path = write_text(folder, "scene.svm",
                                     "0,4 1:0.5 2:1\n"
                                     " 3:1\n"
                                     "2:2\n"
                                     "3,1\n");
        const Dataset data = read_libsvm(path, LibsvmOptions{.multi_label = true});
        QVERIFY(data.task == TaskKind::multi_label);
        QCOMPARE(data.num_samples(), 4);
        QCOMPARE(data.num_labels(), 5);
        QCOMPARE(data.num_features(), 3);
        QCOMPARE(columns_of(data.labels, 0), (std::vector<std::int32_t>{0, 4}));
        QCOMPARE(data.labels.row_nnz(1), 0);
        QCOMPARE(data.labels.row_nnz(2), 0);
        QCOMPARE(columns_of(data.labels, 3), (std::vector<std::int32_t>{1, 3}));
        QCOMPARE(data.sparse.row_nnz(3), 0);
        QCOMPARE(columns_of(data.sparse, 2), (std::vector<std::int32_t>{1}));
    }

    void reads_gzip_compressed_files() {
        QTemporaryDir folder;
        const std::string path = folder.filePath("packed.svm.gz").toStdString();
        const QByteArray content = "1 1:1\n0 2:1\n";
        gzFile file = gzopen(path.c_str(), "wb");
        QVERIFY(file != nullptr);
        QCOMPARE(gzwrite(file, content.constData(), static_cast<unsigned>(content.size())), content.size());
        gzclose(file);
        const Dataset data = read_libsvm(path, LibsvmOptions{});
        QCOMPARE(data.name, std::string("packed"));
        QCOMPARE(single_labels(data), (std::vector<std::int32_t>{1, 0}));
    }

    void rejects_malformed_files_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("multi_label");
        QTest::addColumn<qlonglong>("num_features");
        QTest::addColumn<qlonglong>("num_labels");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no class label") << QByteArray("1 1:1\n2:1 3:1\n") << false << 0LL << 0LL << 2 << "expected a class label";
        QTest::newRow("class label not an integer") << QByteArray("1.5 1:1\n") << false << 0LL << 0LL << 1 << "found '1.5'";
        QTest::newRow("label list in a single-label file") << QByteArray("1,2 1:1\n") << false << 0LL << 0LL << 1 << "found '1,2'";
        QTest::newRow("negative class") << QByteArray("-2 1:1\n") << false << 0LL << 0LL << 1 << "label id >= 0";
        QTest::newRow("-1 beside other classes") << QByteArray("-1 1:1\n1 1:1\n2 1:1\n") << false << 0LL << 0LL << 3
                                                 << "expected -1 or +1 (line 1 uses -1";
        QTest::newRow("class beyond num_labels") << QByteArray("0 1:1\n3 1:1\n") << false << 0LL << 3LL << 2
                                                 << "label id in [0, 2], found 3";
        QTest::newRow("feature id zero in a 1-based file") << QByteArray("1 0:1\n") << false << 0LL << 0LL << 1 << "zero_based";
        QTest::newRow("feature beyond num_features") << QByteArray("1 1:1\n1 6:1\n") << false << 5LL << 0LL << 2
                                                     << "feature id in [1, 5], found 6";
        QTest::newRow("missing colon") << QByteArray("1 1:1\n\n1 4\n") << false << 0LL << 0LL << 3 << "expected ':' after feature id 4";
        QTest::newRow("value not numeric") << QByteArray("1 1:x\n") << false << 0LL << 0LL << 1 << "expected a number after '1:'";
        QTest::newRow("value not finite") << QByteArray("1 1:inf\n") << false << 0LL << 0LL << 1 << "expected a finite value";
        QTest::newRow("feature twice") << QByteArray("# c\n1 3:1 1:1 3:1\n") << false << 0LL << 0LL << 2 << "feature 3 twice";
        QTest::newRow("multi-label bad separator") << QByteArray("0|1 1:1\n") << true << 0LL << 0LL << 1 << "expected ',' or a space";
        QTest::newRow("multi-label label twice") << QByteArray("2,0,2 1:1\n") << true << 0LL << 0LL << 1 << "label 2 twice";
        QTest::newRow("multi-label negative label") << QByteArray("0,-1 1:1\n") << true << 0LL << 0LL << 1 << "label id >= 0";
    }

    void rejects_malformed_files() {
        QFETCH(QByteArray, content);
        QFETCH(bool, multi_label);
        QFETCH(qlonglong, num_features);
        QFETCH(qlonglong, num_labels);
        QFETCH(int, line);
        QFETCH(QString, expected);
        QTemporaryDir folder;
        const auto path = write_text(folder, "broken.svm", content);
        try {
            read_libsvm(path, LibsvmOptions{.multi_label = multi_label, .num_features = num_features, .num_labels = num_labels});
            QFAIL("no DataError for a malformed file");
        } catch (const DataError& error) {
            const QString message = QString::fromUtf8(error.what());
            const QString location = QString::fromStdString(path.string()) + ":" + QString::number(line) + ":";
            QVERIFY2(message.startsWith(location), qPrintable("expected '" + location + "' in: " + message));
            QVERIFY2(message.contains(expected), qPrintable("expected '" + expected + "' in: " + message));
        }
    }

    void rejects_negative_sizes_and_missing_files() {
        QTemporaryDir folder;
        const auto path = write_text(folder, "fine.svm", "1 1:1\n");
        QVERIFY_THROWS_EXCEPTION(DataError, read_libsvm(path, LibsvmOptions{.num_features = -1}));
        QVERIFY_THROWS_EXCEPTION(DataError, read_libsvm(folder.filePath("absent.svm").toStdString(), LibsvmOptions{}));
    }
};

QTEST_GUILESS_MAIN(LibsvmReaderTest)
#include "test_libsvm_reader.moc"
