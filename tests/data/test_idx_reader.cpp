// The IDX reader: small image and label files written here (plain and gzip), every malformed case
// naming the file, and the real Fashion-MNIST split.

#include <QtTest>

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "core/data/idx_reader.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

#include <sys/stat.h>

using namespace tb;

namespace {

QByteArray big_endian(std::uint32_t value) {
    QByteArray bytes(4, '\0');
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((value >> (24 - 8 * i)) & 0xFF);
    return bytes;
}

QByteArray images_file(std::uint32_t count, std::uint32_t rows, std::uint32_t columns, const QByteArray& pixels,
                       std::uint32_t magic = 0x00000803) {
    return big_endian(magic) + big_endian(count) + big_endian(rows) + big_endian(columns) + pixels;
}

QByteArray labels_file(const QByteArray& labels, std::uint32_t magic = 0x00000801) {
    return big_endian(magic) + big_endian(static_cast<std::uint32_t>(labels.size())) + labels;
}

std::filesystem::path write_bytes(const QString& path, const QByteArray& content) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()) qFatal("cannot write %s", qPrintable(path));
    return path.toStdString();
}

std::filesystem::path write_gzip(const QString& path, const QByteArray& content) {
    gzFile file = gzopen(path.toStdString().c_str(), "wb");
    if (file == nullptr || gzwrite(file, content.constData(), static_cast<unsigned>(content.size())) != content.size()) {
        qFatal("cannot write %s", qPrintable(path));
    }
    gzclose(file);
    return path.toStdString();
}

// Three 2x2 images with pixel values 0, 51, 255 and so on, labelled 2, 0, 4.
const QByteArray tiny_pixels("\x00\x33\xff\x00" "\x01\x02\x03\x04" "\xff\xff\x00\x80", 12);
const QByteArray tiny_labels("\x02\x00\x04", 3);

}  // namespace

class IdxReaderTest : public QObject {
    Q_OBJECT

private slots:
    void a_header_claiming_more_pixels_than_memory_holds_is_refused_before_allocating() {
        // A gzip file may claim up to 1032 times its own size, so one of a few megabytes can claim more
        // pixels than memory holds once read as floats. The file is stored uncompressed (level 0) from
        // random bytes, so its size is what the header check measures.
        const double available = available_host_memory_bytes();
        const auto file_bytes = static_cast<std::size_t>(available / 5000 * 1.1);
        if (file_bytes > (std::size_t{256} << 20)) QSKIP("this machine has too much memory for a small test file");
        constexpr std::uint32_t side = 1000;
        const auto count = static_cast<std::uint32_t>(static_cast<double>(file_bytes) * 1000 / (side * side));
        QVERIFY(static_cast<double>(count) * side * side * 5 > available);
        QByteArray pixels(static_cast<qsizetype>(file_bytes), '\0');
        std::uint32_t state = 12345;
        for (char& pixel : pixels) {
            state = state * 1664525u + 1013904223u;
            pixel = static_cast<char>(state >> 24);
        }
        QTemporaryDir folder;
        const std::string path = folder.filePath("claims-images-idx3-ubyte.gz").toStdString();
        gzFile file = gzopen(path.c_str(), "wb0");
        const QByteArray content = images_file(count, side, side, pixels);
        QVERIFY(file != nullptr && gzwrite(file, content.constData(), static_cast<unsigned>(content.size())) == content.size());
        gzclose(file);
        const auto labels = write_gzip(folder.filePath("claims-labels.gz"), labels_file(QByteArray(static_cast<qsizetype>(count), '\0')));
        try {
            read_idx(path, labels);
            QFAIL("an IDX header claiming more pixels than memory holds was read");
        } catch (const DataError& error) {
            const std::string message = error.what();
            const std::string claim = "the header claims " + std::to_string(count) + " images of 1000x1000 pixels";
            for (const std::string& part : {path + ": byte 4", claim, std::string("of memory available on this machine")}) {
                QVERIFY2(message.find(part) != std::string::npos, (message + "\n  lacks: " + part).c_str());
            }
        }
    }

    void reads_plain_files() {
        QTemporaryDir folder;
        const auto images = write_bytes(folder.filePath("tiny-images.idx3"), images_file(3, 2, 2, tiny_pixels));
        const auto labels = write_bytes(folder.filePath("tiny-labels.idx1"), labels_file(tiny_labels));
        const Dataset data = read_idx(images, labels);
        QCOMPARE(data.name, std::string("tiny-images"));
        QVERIFY(data.task == TaskKind::single_label);
        QVERIFY(!data.sparse_features);
        QCOMPARE(data.num_samples(), 3);
        QCOMPARE(data.num_features(), 4);
        QCOMPARE(data.num_labels(), 5);  // largest label 4
        QCOMPARE(data.dense.rows, 3);
        QCOMPARE(data.dense.at(0, 0), 0.0f);
        QCOMPARE(data.dense.at(0, 1), 51.0f / 255.0f);
        QCOMPARE(data.dense.at(0, 2), 1.0f);
        QCOMPARE(data.dense.at(1, 3), 4.0f / 255.0f);
        QCOMPARE(data.dense.at(2, 3), 128.0f / 255.0f);
        QCOMPARE(data.labels.row_columns(0)[0], 2);
        QCOMPARE(data.labels.row_columns(1)[0], 0);
        QCOMPARE(data.labels.row_columns(2)[0], 4);
        data.labels.check_consistency();
    }

    void reads_gzip_files_named_after_their_folder() {
        QTemporaryDir folder;
        QVERIFY(QDir(folder.path()).mkdir("tiny-mnist"));
        const auto images = write_gzip(folder.filePath("tiny-mnist/train-images-idx3-ubyte.gz"), images_file(3, 2, 2, tiny_pixels));
        const auto labels = write_gzip(folder.filePath("tiny-mnist/train-labels-idx1-ubyte.gz"), labels_file(tiny_labels));
        const Dataset data = read_idx(images, labels);
        QCOMPARE(data.name, std::string("tiny-mnist"));
        QCOMPARE(data.dense.at(2, 0), 1.0f);
    }

    void rejects_malformed_files_data() {
        QTest::addColumn<QByteArray>("images");
        QTest::addColumn<QByteArray>("labels");
        QTest::addColumn<bool>("labels_at_fault");
        QTest::addColumn<QString>("expected");
        const QByteArray good_images = images_file(3, 2, 2, tiny_pixels);
        const QByteArray good_labels = labels_file(tiny_labels);
        QTest::newRow("labels file given as images") << good_labels << good_labels << false
                                                     << "byte 0: expected the magic number 0x00000803";
        QTest::newRow("images file given as labels") << good_images << good_images << true
                                                     << "byte 0: expected the magic number 0x00000801";
        QTest::newRow("counts differ") << good_images << labels_file("\x01\x02") << true << "expected 3 labels, one per image";
        // A plain file is measured before reading: its header's size is checked against the file's.
        QTest::newRow("pixels cut short") << images_file(3, 2, 2, tiny_pixels.left(10)) << good_labels << false
                                          << "the header claims 3 images of 2x2 pixels (12 bytes), but the file can "
                                             "hold at most 10 bytes";
        QTest::newRow("header cut short") << big_endian(0x803) + big_endian(3) << good_labels << false
                                          << "expected the number of pixel rows";
        QTest::newRow("empty images file") << QByteArray() << good_labels << false << "expected the magic number";
        QTest::newRow("bytes after the last image") << good_images + "x" << good_labels << false
                                                    << "expected the end of the file after the last image";
        QTest::newRow("labels cut short") << good_images << labels_file(tiny_labels).left(10) << true << "found only 2 bytes";
        QTest::newRow("zero-pixel images") << images_file(3, 0, 2, {}) << good_labels << false << "at least one pixel";
        // The size arithmetic of this header wraps to 0 in 64 bits: it must be refused, not allocated.
        QTest::newRow("header size wraps around") << images_file(16, 1u << 30, 1u << 30, tiny_pixels)
                                                  << labels_file(QByteArray(16, '\x01')) << false
                                                  << "byte 4: the header claims 16 images of 1073741824x1073741824 "
                                                     "pixels (more bytes than a 64-bit size can count)";
        QTest::newRow("header claims more than the file holds")
            << images_file(1000, 28, 28, tiny_pixels) << labels_file(QByteArray(1000, '\x01')) << false
            << "the header claims 1000 images of 28x28 pixels (784000 bytes), but the file can hold at most 12 bytes";
        // Ten classes with one label byte damaged into 200: 201 classes of which 11 occur.
        QByteArray damaged_labels("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\xc8", 11);
        QTest::newRow("a damaged label byte") << images_file(11, 1, 1, QByteArray(11, '\x10')) << labels_file(damaged_labels)
                                              << true << "byte 18: label 200 makes 201 classes, but only 11 of them occur";
    }

    void rejects_malformed_files() {
        QFETCH(QByteArray, images);
        QFETCH(QByteArray, labels);
        QFETCH(bool, labels_at_fault);
        QFETCH(QString, expected);
        QTemporaryDir folder;
        const auto images_path = write_bytes(folder.filePath("images.idx3"), images);
        const auto labels_path = write_bytes(folder.filePath("labels.idx1"), labels);
        try {
            read_idx(images_path, labels_path);
            QFAIL("no DataError for a malformed file");
        } catch (const DataError& error) {
            const QString message = QString::fromUtf8(error.what());
            const QString at_fault = QString::fromStdString((labels_at_fault ? labels_path : images_path).string());
            QVERIFY2(message.startsWith(at_fault + ": byte "), qPrintable("expected '" + at_fault + "' in: " + message));
            QVERIFY2(message.contains(expected), qPrintable("expected '" + expected + "' in: " + message));
        }
    }

    void rejects_a_truncated_gzip_file() {
        QTemporaryDir folder;
        QByteArray pixels(100 * 28 * 28, '\0');
        for (int i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>((i * 7919) % 251);
        const auto images = write_gzip(folder.filePath("images.gz"), images_file(100, 28, 28, pixels));
        const auto labels = write_gzip(folder.filePath("labels.gz"), labels_file(QByteArray(100, '\x01')));
        QFile file(QString::fromStdString(images.string()));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(file.size() / 2));
        file.close();
        try {
            read_idx(images, labels);
            QFAIL("no DataError for a truncated gzip file");
        } catch (const DataError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.startsWith(QString::fromStdString(images.string()) + ": byte "), qPrintable(message));
            QVERIFY2(message.contains("truncated"), qPrintable(message));
        }
    }

    void rejects_a_named_pipe_instead_of_waiting_on_it() {
        QTemporaryDir folder;
        const std::string pipe = folder.filePath("images.fifo").toStdString();
        QCOMPARE(mkfifo(pipe.c_str(), 0600), 0);
        const auto labels = write_bytes(folder.filePath("labels.idx1"), labels_file(tiny_labels));
        try {
            read_idx(pipe, labels);
            QFAIL("no DataError for a named pipe");
        } catch (const DataError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains("is a named pipe (FIFO), not a regular file"), qPrintable(message));
        }
    }

    void rejects_a_missing_file() {
        QTemporaryDir folder;
        const auto images = write_bytes(folder.filePath("images.idx3"), images_file(3, 2, 2, tiny_pixels));
        QVERIFY_THROWS_EXCEPTION(DataError, read_idx(images, folder.filePath("absent.idx1").toStdString()));
    }

    void reads_the_real_fashion_mnist() {
        const std::filesystem::path folder = "/usr/share/datasets/fashion-mnist";
        if (!std::filesystem::exists(folder / "train-images-idx3-ubyte.gz")) {
            QSKIP("Fashion-MNIST is absent: apt-get install dataset-fashion-mnist");
        }
        const Dataset train = read_idx(folder / "train-images-idx3-ubyte.gz", folder / "train-labels-idx1-ubyte.gz");
        const Dataset test = read_idx(folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz");
        QCOMPARE(train.name, std::string("fashion-mnist"));
        QCOMPARE(train.num_samples(), 60000);
        QCOMPARE(test.num_samples(), 10000);
        QCOMPARE(train.num_features(), 784);
        QCOMPARE(train.num_labels(), 10);
        QCOMPARE(test.num_labels(), 10);
        const auto [lowest, highest] = std::minmax_element(train.dense.values.begin(), train.dense.values.end());
        QCOMPARE(*lowest, 0.0f);
        QCOMPARE(*highest, 1.0f);
        // Read from the files with Python's gzip module: labels 9 0 0 3 0 and 9 2 1 1 6; the first
        // training image's first non-zero pixels are 96 -> 1 and 99 -> 13, its pixels sum to 76247.
        QCOMPARE(train.labels.row_columns(0)[0], 9);
        QCOMPARE(train.labels.row_columns(3)[0], 3);
        QCOMPARE(test.labels.row_columns(1)[0], 2);
        QCOMPARE(test.labels.row_columns(4)[0], 6);
        QCOMPARE(train.dense.at(0, 95), 0.0f);
        QCOMPARE(train.dense.at(0, 96), 1.0f / 255.0f);
        QCOMPARE(train.dense.at(0, 99), 13.0f / 255.0f);
        double first_image_sum = 0.0;
        for (std::int64_t pixel = 0; pixel < 784; ++pixel) first_image_sum += train.dense.at(0, pixel) * 255.0;
        QVERIFY(std::fabs(first_image_sum - 76247.0) < 0.01);
        std::vector<int> class_sizes(10, 0);
        for (std::int64_t row = 0; row < train.num_samples(); ++row) ++class_sizes[train.labels.row_columns(row)[0]];
        QCOMPARE(class_sizes, std::vector<int>(10, 6000));  // Fashion-MNIST is balanced
    }
};

QTEST_GUILESS_MAIN(IdxReaderTest)
#include "test_idx_reader.moc"
