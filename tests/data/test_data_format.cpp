// Format detection on a file of every format (plain and gzip), on files no reader takes, and on the
// real Bibtex and Fashion-MNIST files.

#include <QtTest>

#include <zlib.h>

#include <filesystem>
#include <string>

#include "core/data/data_format.h"
#include "core/data/data_paths.h"
#include "core/errors.h"

using namespace tb;

Q_DECLARE_METATYPE(tb::DataFormat)

namespace {

QByteArray idx_header(std::uint32_t magic) {
    QByteArray bytes;
    for (const std::uint32_t value : {magic, 2u, 1u, 1u}) {
        for (int shift = 24; shift >= 0; shift -= 8) bytes.append(static_cast<char>((value >> shift) & 0xFF));
    }
    return bytes + QByteArray(2, '\x07');
}

}  // namespace

class DataFormatTest : public QObject {
    Q_OBJECT

private slots:
    void detects_each_format_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<tb::DataFormat>("expected");
        QTest::newRow("xmlc text") << QByteArray("3 10 4\n0,2 1:1 4:0.5\n 3:1\n2 9:2\n") << DataFormat::xmlc_text;
        QTest::newRow("xmlc text, header only") << QByteArray("0 10 4\n") << DataFormat::xmlc_text;
        QTest::newRow("xmlc text, windows line ends") << QByteArray("1 10 4\r\n1 1:1\r\n") << DataFormat::xmlc_text;
        QTest::newRow("libsvm") << QByteArray("1 1:0.5 3:1\n-1 2:1\n") << DataFormat::libsvm;
        QTest::newRow("libsvm with comments and +1") << QByteArray("# header comment\n+1 1:1 # note\n\n-1 2:1\n")
                                                    << DataFormat::libsvm;
        QTest::newRow("multi-label libsvm") << QByteArray("1 1:0.5\n0,3 2:1\n") << DataFormat::multilabel_libsvm;
        QTest::newRow("multi-label libsvm, a line without labels") << QByteArray("1 1:0.5\n 2:1\n")
                                                                  << DataFormat::multilabel_libsvm;
        QTest::newRow("idx images") << idx_header(0x00000803) << DataFormat::idx_images;
        QTest::newRow("idx labels") << idx_header(0x00000801) << DataFormat::idx_labels;
        QTest::newRow("empty") << QByteArray() << DataFormat::unknown;
        QTest::newRow("prose") << QByteArray("Dear reader,\nthis is a letter.\n") << DataFormat::unknown;
        QTest::newRow("csv") << QByteArray("label,I1,I2\n0,1,2\n") << DataFormat::unknown;
        QTest::newRow("xmlc header over prose") << QByteArray("3 10 4\nnot a sample\n") << DataFormat::unknown;
        QTest::newRow("binary") << QByteArray("\x7f" "ELF\x02\x01\x01\x00\x00", 9) << DataFormat::unknown;
        QTest::newRow("idx of another type") << idx_header(0x00000D03) << DataFormat::unknown;
    }

    void detects_each_format() {
        QFETCH(QByteArray, content);
        QFETCH(tb::DataFormat, expected);
        QTemporaryDir folder;
        const QString plain_path = folder.filePath("data");
        QFile plain(plain_path);
        QVERIFY(plain.open(QIODevice::WriteOnly));
        QCOMPARE(plain.write(content), content.size());
        plain.close();
        QCOMPARE(to_string(detect_data_format(plain_path.toStdString())), to_string(expected));

        const std::string packed_path = folder.filePath("data.gz").toStdString();
        gzFile packed = gzopen(packed_path.c_str(), "wb");
        QVERIFY(packed != nullptr);
        QCOMPARE(gzwrite(packed, content.constData(), static_cast<unsigned>(content.size())), content.size());
        gzclose(packed);
        QCOMPARE(to_string(detect_data_format(packed_path)), to_string(expected));
    }

    void names_every_format() {
        QCOMPARE(to_string(DataFormat::xmlc_text), std::string_view("xmlc_text"));
        QCOMPARE(to_string(DataFormat::libsvm), std::string_view("libsvm"));
        QCOMPARE(to_string(DataFormat::multilabel_libsvm), std::string_view("multilabel_libsvm"));
        QCOMPARE(to_string(DataFormat::idx_images), std::string_view("idx_images"));
        QCOMPARE(to_string(DataFormat::idx_labels), std::string_view("idx_labels"));
        QCOMPARE(to_string(DataFormat::unknown), std::string_view("unknown"));
    }

    void rejects_a_missing_file() {
        QVERIFY_THROWS_EXCEPTION(DataError, detect_data_format("/nonexistent/folder/data.txt"));
    }

    void detects_the_real_files() {
        const auto shared = shared_data_folder();
        if (shared && std::filesystem::exists(*shared / "xmlc" / "bibtex_train.txt")) {
            QCOMPARE(to_string(detect_data_format(*shared / "xmlc" / "bibtex_train.txt")), std::string_view("xmlc_text"));
            QCOMPARE(to_string(detect_data_format(*shared / "xmlc" / "bibtex_test.txt")), std::string_view("xmlc_text"));
        } else {
            qInfo("Bibtex is absent (../shared/data or TRAINBENCH_DATA); checking Fashion-MNIST only");
        }
        const std::filesystem::path fashion = "/usr/share/datasets/fashion-mnist";
        if (!std::filesystem::exists(fashion / "train-images-idx3-ubyte.gz")) {
            QSKIP("Fashion-MNIST is absent: apt-get install dataset-fashion-mnist");
        }
        QCOMPARE(to_string(detect_data_format(fashion / "train-images-idx3-ubyte.gz")), std::string_view("idx_images"));
        QCOMPARE(to_string(detect_data_format(fashion / "t10k-labels-idx1-ubyte.gz")), std::string_view("idx_labels"));
    }
};

QTEST_GUILESS_MAIN(DataFormatTest)
#include "test_data_format.moc"
