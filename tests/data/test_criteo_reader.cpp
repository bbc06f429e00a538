// The Criteo reader: the shared 200-row sample read and checked against its own text, the tab-separated
// Kaggle layout without a header, the log transform and missing values, the hash buckets, block-wise
// streaming giving the same rows as one read, and malformed lines as errors naming file, line and field,
// or skipped and counted.

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/data/ctr/criteo_reader.h"
#include "core/data/data_paths.h"
#include "core/errors.h"

using namespace tb;
namespace fs = std::filesystem;

namespace {

std::optional<fs::path> criteo_sample() {
    const std::optional<fs::path> shared = shared_data_folder();
    if (!shared || !fs::is_regular_file(*shared / "ctr" / "criteo_sample.txt")) return std::nullopt;
    return *shared / "ctr" / "criteo_sample.txt";
}

std::string row_text(const std::string& label, const std::string& separator, const std::vector<std::string>& dense,
                     const std::vector<std::string>& categorical) {
    std::string text = label;
    for (const std::string& value : dense) text += separator + value;
    for (const std::string& value : categorical) text += separator + value;
    return text;
}

std::vector<std::string> hexes(int count, int salt) {
    std::vector<std::string> values;
    for (int i = 0; i < count; ++i) {
        char text[16];
        std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(i * 2654435761u + static_cast<unsigned>(salt)));
        values.push_back(text);
    }
    return values;
}

QString data_error_of(const fs::path& file, const CriteoOptions& options = {}) {
    try {
        read_criteo(file, options);
    } catch (const DataError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

}  // namespace

class TestCriteoReader : public QObject {
    Q_OBJECT

private slots:
    void the_shared_sample_reads_as_its_text_says() {
        const std::optional<fs::path> file = criteo_sample();
        if (!file) QSKIP("../shared/data/ctr/criteo_sample.txt is absent");
        const CtrRows rows = read_criteo(*file, {});
        // The sample's own text, parsed here with the standard library: its clicks and its first row.
        std::ifstream in(*file);
        std::string line;
        std::getline(in, line);  // header
        int data_lines = 0;
        int clicks = 0;
        std::string first;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            if (data_lines++ == 0) first = line;
            clicks += line[0] == '1' ? 1 : 0;
        }
        QCOMPARE(rows.rows(), std::int64_t{data_lines});
        QCOMPARE(rows.rows(), std::int64_t{200});
        double labels = 0;
        for (const float label : rows.labels) labels += label;
        QCOMPARE(static_cast<int>(labels), clicks);
        QCOMPARE(rows.dense_fields, 13);
        QCOMPARE(rows.categorical_fields, 26);
        QCOMPARE(rows.dense.size(), std::size_t{200 * 13});
        QCOMPARE(rows.categorical.size(), std::size_t{200 * 26});

        std::vector<std::string> fields;
        std::stringstream split(first);
        for (std::string field; std::getline(split, field, ',');) fields.push_back(field);
        if (first.back() == ',') fields.emplace_back();
        QCOMPARE(fields.size(), std::size_t{40});
        QCOMPARE(rows.labels[0], std::stof(fields[0]));
        for (int i = 0; i < 13; ++i) {
            const std::string& text = fields[static_cast<std::size_t>(1 + i)];
            const float expected = text.empty() ? 0.0f : static_cast<float>(std::log1p(std::max(std::stod(text), 0.0)));
            QCOMPARE(rows.dense[static_cast<std::size_t>(i)], expected);
        }
        for (int i = 0; i < 26; ++i) {
            const std::string& text = fields[static_cast<std::size_t>(14 + i)];
            const std::uint32_t expected = text.empty() ? 0u : criteo_bucket(text, i, 1 << 20, 0);
            QCOMPARE(rows.categorical[static_cast<std::size_t>(i)], expected);
        }
        QCOMPARE(rows.field_offset(3), std::int64_t{3} << 20);
        QCOMPARE(rows.total_buckets(), std::int64_t{26} << 20);
    }

    void the_kaggle_layout_streams_in_blocks() {
        QTemporaryDir folder;
        const fs::path file = folder.filePath("train.txt").toStdString();
        {
            std::ofstream out(file);
            for (int r = 0; r < 50; ++r) {
                std::vector<std::string> dense(13, "");
                dense[0] = std::to_string(r);
                dense[1] = "-2";  // negative counts clip to 0
                std::vector<std::string> categorical = hexes(26, r % 7);
                categorical[25] = "";
                out << row_text(r % 3 == 0 ? "1" : "0", "\t", dense, categorical) << "\n";
            }
        }
        const CtrRows whole = read_criteo(file, {.buckets_per_field = 1000, .hash_seed = 9, .skip_malformed = false});
        QCOMPARE(whole.rows(), std::int64_t{50});
        QCOMPARE(whole.dense[13 * 4 + 0], static_cast<float>(std::log1p(4.0)));
        QCOMPARE(whole.dense[13 * 4 + 1], 0.0f);
        QCOMPARE(whole.dense[13 * 4 + 2], 0.0f);  // missing
        QCOMPARE(whole.categorical[26 * 4 + 25], 0u);
        for (const std::uint32_t bucket : whole.categorical) QVERIFY(bucket < 1000);

        CriteoStream stream(file, {.buckets_per_field = 1000, .hash_seed = 9, .skip_malformed = false});
        CtrRows blocks;
        std::vector<std::int64_t> sizes;
        for (std::int64_t got = stream.read(blocks, 7); got > 0; got = stream.read(blocks, 7)) sizes.push_back(got);
        QCOMPARE(sizes, (std::vector<std::int64_t>{7, 7, 7, 7, 7, 7, 7, 1}));
        QCOMPARE(blocks.labels, whole.labels);
        QCOMPARE(blocks.dense, whole.dense);
        QCOMPARE(blocks.categorical, whole.categorical);
    }

    void buckets_are_spread_and_salted_by_field_and_seed() {
        QVERIFY(criteo_bucket("05db9164", 0, 1 << 20, 0) != criteo_bucket("05db9164", 1, 1 << 20, 0));
        QVERIFY(criteo_bucket("05db9164", 0, 1 << 20, 0) != criteo_bucket("05db9164", 0, 1 << 20, 1));
        QCOMPARE(criteo_bucket("05db9164", 0, 1 << 20, 0), criteo_bucket("05db9164", 0, 1 << 20, 0));
        // 16,000 distinct values into buckets 1..16: each bucket near 1,000 (a chi-square over 15 degrees of
        // freedom stays below 37.7 with probability 0.999).
        std::vector<int> counts(17, 0);
        for (const std::string& value : hexes(16000, 3)) ++counts[criteo_bucket(value, 5, 17, 0)];
        QCOMPARE(counts[0], 0);
        double chi_square = 0;
        for (int b = 1; b <= 16; ++b) chi_square += (counts[static_cast<std::size_t>(b)] - 1000.0) * (counts[static_cast<std::size_t>(b)] - 1000.0) / 1000.0;
        QVERIFY2(chi_square < 37.7, qPrintable(QString::number(chi_square)));
    }

    void malformed_lines_are_errors_or_skipped_and_counted() {
        QTemporaryDir folder;
        const std::vector<std::string> dense(13, "1");
        const std::vector<std::string> categorical = hexes(26, 1);
        const auto write = [&](const std::string& name, const std::vector<std::string>& lines) {
            const fs::path file = folder.filePath(QString::fromStdString(name)).toStdString();
            std::ofstream out(file);
            out << "label,I1,I2,I3,I4,I5,I6,I7,I8,I9,I10,I11,I12,I13,C1,C2,C3,C4,C5,C6,C7,C8,C9,C10,C11,C12,C13,C14,C15,"
                   "C16,C17,C18,C19,C20,C21,C22,C23,C24,C25,C26\n";
            for (const std::string& line : lines) out << line << "\n";
            return file;
        };
        const std::string good = row_text("1", ",", dense, categorical);
        std::vector<std::string> short_categorical(categorical.begin(), categorical.end() - 1);
        const fs::path too_few = write("few.csv", {good, row_text("0", ",", dense, short_categorical)});
        QVERIFY2(data_error_of(too_few).contains("few.csv:3: expected 40 comma-separated fields") &&
                     data_error_of(too_few).contains("found 39"),
                 qPrintable(data_error_of(too_few)));
        const fs::path bad_label = write("label.csv", {row_text("2", ",", dense, categorical)});
        QVERIFY2(data_error_of(bad_label).contains("label.csv:2: expected the label (0 or 1), found '2'"), qPrintable(data_error_of(bad_label)));
        std::vector<std::string> wrong_dense = dense;
        wrong_dense[4] = "abc";
        const fs::path bad_integer = write("integer.csv", {good, good, row_text("0", ",", wrong_dense, categorical)});
        QVERIFY2(data_error_of(bad_integer).contains("integer.csv:4: expected I5 (a number, or nothing when missing), found 'abc'"),
                 qPrintable(data_error_of(bad_integer)));
        wrong_dense[4] = "inf";
        const fs::path infinite = write("infinite.csv", {row_text("0", ",", wrong_dense, categorical)});
        QVERIFY2(data_error_of(infinite).contains("expected I5"), qPrintable(data_error_of(infinite)));
        const fs::path empty = write("empty.csv", {});
        QVERIFY2(data_error_of(empty).contains("holds no rows"), qPrintable(data_error_of(empty)));
        QVERIFY2(data_error_of(folder.filePath("absent.csv").toStdString()).contains("absent.csv"), "a missing file names itself");

        const fs::path mixed = write("mixed.csv", {good, row_text("0", ",", dense, short_categorical), good,
                                                   row_text("7", ",", dense, categorical), good});
        std::int64_t skipped = 0;
        const CtrRows rows = read_criteo(mixed, {.buckets_per_field = 1 << 20, .hash_seed = 0, .skip_malformed = true}, &skipped);
        QCOMPARE(rows.rows(), std::int64_t{3});
        QCOMPARE(skipped, std::int64_t{2});
        CriteoStream stream(mixed, {.buckets_per_field = 1 << 20, .hash_seed = 0, .skip_malformed = true});
        CtrRows streamed;
        while (stream.read(streamed, 100) > 0) {
        }
        QVERIFY2(stream.first_skipped_error().find("mixed.csv:3") != std::string::npos, stream.first_skipped_error().c_str());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, CriteoStream(mixed, {.buckets_per_field = 1, .hash_seed = 0, .skip_malformed = false}));
    }
};

QTEST_GUILESS_MAIN(TestCriteoReader)
#include "test_criteo_reader.moc"
