// The synthetic XMLC generator: bit-for-bit determinism (also across machines, through a fingerprint),
// the requested shape, power-law frequencies, a realistic spread of non-zeros, labels learnable from
// features, and the published Delicious-200K and Amazon-670K shapes at speed.

#include <QtTest>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

#include "core/data/synthetic_xmlc.h"
#include "core/errors.h"

using namespace tb;

namespace {

struct RowCounts {
    double mean = 0.0;
    double coefficient_of_variation = 0.0;
    std::int64_t smallest = 0;
    std::int64_t largest = 0;
};

RowCounts row_counts(const HostCsr& csr) {
    RowCounts counts;
    counts.smallest = std::numeric_limits<std::int64_t>::max();
    double sum = 0.0;
    double sum_of_squares = 0.0;
    for (std::int64_t row = 0; row < csr.rows; ++row) {
        const auto nnz = csr.row_nnz(row);
        sum += static_cast<double>(nnz);
        sum_of_squares += static_cast<double>(nnz * nnz);
        counts.smallest = std::min(counts.smallest, nnz);
        counts.largest = std::max(counts.largest, nnz);
    }
    const double rows = static_cast<double>(csr.rows);
    counts.mean = sum / rows;
    counts.coefficient_of_variation = std::sqrt(sum_of_squares / rows - counts.mean * counts.mean) / counts.mean;
    return counts;
}

// In how many rows each column occurs.
std::vector<std::int64_t> column_frequencies(const HostCsr& csr) {
    std::vector<std::int64_t> frequencies(static_cast<std::size_t>(csr.cols), 0);
    for (const std::int32_t column : csr.column_indices) ++frequencies[static_cast<std::size_t>(column)];
    return frequencies;
}

std::int64_t median(std::vector<std::int64_t> values) {
    std::nth_element(values.begin(), values.begin() + std::ssize(values) / 2, values.end());
    return values[values.size() / 2];
}

// FNV-1a over everything a consumer sees, values by their bits.
std::uint64_t fingerprint(const Dataset& data) {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    const auto mix = [&hash](std::uint64_t word) {
        for (int byte = 0; byte < 8; ++byte) {
            hash ^= (word >> (8 * byte)) & 0xFF;
            hash *= 0x100000001b3ull;
        }
    };
    for (const HostCsr* csr : {&data.sparse, &data.labels}) {
        mix(static_cast<std::uint64_t>(csr->rows));
        mix(static_cast<std::uint64_t>(csr->cols));
        for (const std::int64_t offset : csr->row_offsets) mix(static_cast<std::uint64_t>(offset));
        for (const std::int32_t column : csr->column_indices) mix(static_cast<std::uint32_t>(column));
        for (const float value : csr->values) mix(std::bit_cast<std::uint32_t>(value));
    }
    return hash;
}

bool identical(const HostCsr& left, const HostCsr& right) {
    return left.rows == right.rows && left.cols == right.cols && left.row_offsets == right.row_offsets &&
           left.column_indices == right.column_indices && left.values.size() == right.values.size() &&
           std::memcmp(left.values.data(), right.values.data(), left.values.size() * sizeof(float)) == 0;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

class SyntheticXmlcTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { small_ = generate_synthetic_xmlc(small_synthetic_xmlc()); }

    void same_spec_gives_the_same_bits() {
        const DataSplit again = generate_synthetic_xmlc(small_synthetic_xmlc());
        QVERIFY(identical(small_.train.sparse, again.train.sparse));
        QVERIFY(identical(small_.train.labels, again.train.labels));
        QVERIFY(identical(small_.test.sparse, again.test.sparse));
        QVERIFY(identical(small_.test.labels, again.test.labels));

        SyntheticXmlcSpec other_seed = small_synthetic_xmlc();
        other_seed.seed = 2;
        QVERIFY(!identical(small_.train.sparse, generate_synthetic_xmlc(other_seed).train.sparse));
    }

    // The generator promises the same bits on every machine; this fingerprint was recorded on x86-64
    // with GCC 12. A legitimate change to the generator updates it, anything else is a portability bug.
    void fingerprint_is_the_same_on_every_machine() {
        SyntheticXmlcSpec spec = small_synthetic_xmlc();
        spec.train_samples = 500;
        spec.test_samples = 100;
        const DataSplit split = generate_synthetic_xmlc(spec);
        const std::uint64_t train = fingerprint(split.train);
        const std::uint64_t test = fingerprint(split.test);
        qInfo("fingerprints: train 0x%016llx, test 0x%016llx", static_cast<unsigned long long>(train),
              static_cast<unsigned long long>(test));
        QCOMPARE(train, 0x8aac59a288dacf5dull);
        QCOMPARE(test, 0xab97966c415942f3ull);
    }

    void the_test_split_does_not_depend_on_the_train_size() {
        SyntheticXmlcSpec fewer = small_synthetic_xmlc();
        fewer.train_samples = 100;
        QVERIFY(identical(generate_synthetic_xmlc(fewer).test.sparse, small_.test.sparse));
    }

    void has_the_requested_shape() {
        const SyntheticXmlcSpec spec = small_synthetic_xmlc();
        for (const Dataset* data : {&small_.train, &small_.test}) {
            QVERIFY(data->task == TaskKind::multi_label);
            QVERIFY(data->sparse_features);
            QCOMPARE(data->num_features(), spec.num_features);
            QCOMPARE(data->num_labels(), spec.num_labels);
            data->sparse.check_consistency();
            data->labels.check_consistency();
        }
        QCOMPARE(small_.train.num_samples(), spec.train_samples);
        QCOMPARE(small_.test.num_samples(), spec.test_samples);
        QCOMPARE(small_.train.name, spec.name);

        const RowCounts features = row_counts(small_.train.sparse);
        const RowCounts labels = row_counts(small_.train.labels);
        qInfo("features per sample: mean %.2f, min %lld, max %lld; labels per sample: mean %.2f, max %lld", features.mean,
              static_cast<long long>(features.smallest), static_cast<long long>(features.largest), labels.mean,
              static_cast<long long>(labels.largest));
        QVERIFY(std::fabs(features.mean / spec.mean_features_per_sample - 1.0) < 0.1);
        QVERIFY(std::fabs(labels.mean / spec.mean_labels_per_sample - 1.0) < 0.1);
        QVERIFY(features.smallest >= 1);
        QVERIFY(labels.smallest >= 1);

        for (std::int64_t row = 0; row < small_.train.num_samples(); ++row) {
            const auto columns = small_.train.sparse.row_columns(row);
            QVERIFY(std::adjacent_find(columns.begin(), columns.end(), std::greater_equal<>()) == columns.end());
            const auto label_columns = small_.train.labels.row_columns(row);
            QVERIFY(std::adjacent_find(label_columns.begin(), label_columns.end(), std::greater_equal<>()) ==
                    label_columns.end());
            double norm = 0.0;
            for (const float value : small_.train.sparse.row_values(row)) {
                QVERIFY(value > 0.0f);
                norm += static_cast<double>(value) * value;
            }
            QVERIFY(std::fabs(norm - 1.0) < 1e-5);
        }
    }

    void frequencies_follow_power_laws() {
        const std::vector<std::int64_t> labels = column_frequencies(small_.train.labels);
        const std::vector<std::int64_t> features = column_frequencies(small_.train.sparse);
        const std::int64_t top_label = *std::max_element(labels.begin(), labels.end());
        const std::int64_t top_feature = *std::max_element(features.begin(), features.end());
        qInfo("label frequency: top %lld, median %lld; feature frequency: top %lld, median %lld",
              static_cast<long long>(top_label), static_cast<long long>(median(labels)),
              static_cast<long long>(top_feature), static_cast<long long>(median(features)));
        QVERIFY(top_label > 10 * std::max<std::int64_t>(median(labels), 1));
        QVERIFY(top_feature > 20 * std::max<std::int64_t>(median(features), 1));

        // On a log-log plot, frequency against rank falls along a line whose slope is about -s (sampling
        // labels without repeats within a sample flattens the head a little).
        std::vector<std::int64_t> by_rank = labels;
        std::sort(by_rank.begin(), by_rank.end(), std::greater<>());
        double sum_x = 0, sum_y = 0, sum_xx = 0, sum_xy = 0;
        const int first_rank = 5;
        const int last_rank = 200;
        for (int rank = first_rank; rank <= last_rank; ++rank) {
            const double x = std::log(static_cast<double>(rank));
            const double y = std::log(static_cast<double>(by_rank[static_cast<std::size_t>(rank - 1)]));
            sum_x += x;
            sum_y += y;
            sum_xx += x * x;
            sum_xy += x * y;
        }
        const double points = last_rank - first_rank + 1;
        const double slope = (points * sum_xy - sum_x * sum_y) / (points * sum_xx - sum_x * sum_x);
        qInfo("label rank-frequency slope %.2f (label_power_law %.2f)", slope, small_synthetic_xmlc().label_power_law);
        QVERIFY(slope < -0.5 && slope > -1.1);
    }

    void non_zeros_per_sample_vary_like_real_data() {
        const RowCounts features = row_counts(small_.train.sparse);
        qInfo("non-zeros per sample: coefficient of variation %.2f, min %lld, max %lld", features.coefficient_of_variation,
              static_cast<long long>(features.smallest), static_cast<long long>(features.largest));
        QVERIFY(features.coefficient_of_variation > 0.3);
        QVERIFY(static_cast<double>(features.smallest) < 0.5 * features.mean);
        QVERIFY(static_cast<double>(features.largest) > 2.0 * features.mean);
    }

    // A label's signature features occur in its samples far more often than in samples at large.
    void signature_features_co_occur_with_their_label() {
        const Dataset& train = small_.train;
        const std::vector<std::int64_t> labels = column_frequencies(train.labels);
        const std::vector<std::int64_t> features = column_frequencies(train.sparse);
        std::vector<std::int32_t> by_frequency(labels.size());
        std::iota(by_frequency.begin(), by_frequency.end(), 0);
        std::sort(by_frequency.begin(), by_frequency.end(), [&](std::int32_t a, std::int32_t b) { return labels[a] > labels[b]; });
        // The most frequent labels, and some from the middle of the tail.
        for (const std::size_t position : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{100}, std::size_t{200}}) {
            const std::int32_t label = by_frequency[position];
            const std::vector<std::int32_t> signature = synthetic_label_signature(small_synthetic_xmlc(), label);
            QVERIFY(!signature.empty());
            std::int64_t with_label = 0;
            std::vector<std::int64_t> together(signature.size(), 0);
            for (std::int64_t row = 0; row < train.num_samples(); ++row) {
                const auto row_labels = train.labels.row_columns(row);
                if (!std::binary_search(row_labels.begin(), row_labels.end(), label)) continue;
                ++with_label;
                const auto columns = train.sparse.row_columns(row);
                for (std::size_t i = 0; i < signature.size(); ++i) {
                    together[i] += std::binary_search(columns.begin(), columns.end(), signature[i]) ? 1 : 0;
                }
            }
            double mean_lift = 0.0;
            for (std::size_t i = 0; i < signature.size(); ++i) {
                const double given_label = static_cast<double>(together[i]) / static_cast<double>(with_label);
                const double overall = static_cast<double>(features[static_cast<std::size_t>(signature[i])]) /
                                       static_cast<double>(train.num_samples());
                mean_lift += given_label / overall / static_cast<double>(signature.size());
            }
            qInfo("label %d (%lld samples): signature features are %.1fx as frequent with it", label,
                  static_cast<long long>(with_label), mean_lift);
            QVERIFY(mean_lift > 3.0);
        }
    }

    // A nearest-centroid classifier fitted on train (no knowledge of signatures) beats the frequency
    // baseline by far on test: the labels are learnable from the features.
    void labels_are_learnable_from_features() {
        const Dataset& train = small_.train;
        const Dataset& test = small_.test;
        const auto labels = static_cast<std::size_t>(train.num_labels());
        const auto features = static_cast<std::size_t>(train.num_features());
        std::vector<float> centroids(labels * features, 0.0f);
        for (std::int64_t row = 0; row < train.num_samples(); ++row) {
            for (const std::int32_t label : train.labels.row_columns(row)) {
                const auto columns = train.sparse.row_columns(row);
                const auto values = train.sparse.row_values(row);
                for (std::size_t k = 0; k < columns.size(); ++k) {
                    centroids[static_cast<std::size_t>(label) * features + static_cast<std::size_t>(columns[k])] += values[k];
                }
            }
        }
        for (std::size_t label = 0; label < labels; ++label) {
            double norm = 0.0;
            for (std::size_t f = 0; f < features; ++f) norm += double(centroids[label * features + f]) * centroids[label * features + f];
            if (norm == 0.0) continue;
            for (std::size_t f = 0; f < features; ++f) centroids[label * features + f] /= static_cast<float>(std::sqrt(norm));
        }
        const std::vector<std::int64_t> train_frequencies = column_frequencies(train.labels);
        const auto most_frequent = static_cast<std::int32_t>(
            std::max_element(train_frequencies.begin(), train_frequencies.end()) - train_frequencies.begin());

        std::int64_t hits = 0;
        std::int64_t baseline_hits = 0;
        std::vector<double> scores(labels);
        for (std::int64_t row = 0; row < test.num_samples(); ++row) {
            std::fill(scores.begin(), scores.end(), 0.0);
            const auto columns = test.sparse.row_columns(row);
            const auto values = test.sparse.row_values(row);
            for (std::size_t label = 0; label < labels; ++label) {
                for (std::size_t k = 0; k < columns.size(); ++k) {
                    scores[label] += values[k] * centroids[label * features + static_cast<std::size_t>(columns[k])];
                }
            }
            const auto predicted = static_cast<std::int32_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
            const auto truth = test.labels.row_columns(row);
            hits += std::binary_search(truth.begin(), truth.end(), predicted) ? 1 : 0;
            baseline_hits += std::binary_search(truth.begin(), truth.end(), most_frequent) ? 1 : 0;
        }
        const double precision = static_cast<double>(hits) / static_cast<double>(test.num_samples());
        const double baseline = static_cast<double>(baseline_hits) / static_cast<double>(test.num_samples());
        qInfo("nearest centroid P@1 %.3f, most-frequent-label baseline %.3f", precision, baseline);
        QVERIFY(precision > 2.0 * baseline);
        QVERIFY(precision > baseline + 0.3);
    }

    void delicious_200k_shape_is_fast_and_faithful() {
        const auto start = std::chrono::steady_clock::now();
        const DataSplit split = generate_synthetic_xmlc(delicious_200k_shape(20'000, 2'000));
        const double seconds = seconds_since(start);
        const RowCounts features = row_counts(split.train.sparse);
        const RowCounts labels = row_counts(split.train.labels);
        qInfo("Delicious-200K shape, 20,000 + 2,000 samples in %.2f s: %.1f features and %.2f labels per sample",
              seconds, features.mean, labels.mean);
        QCOMPARE(split.train.num_features(), 782'585);
        QCOMPARE(split.train.num_labels(), 205'443);
        QCOMPARE(split.train.num_samples(), 20'000);
        QVERIFY(std::fabs(features.mean / 301.0 - 1.0) < 0.1);
        QVERIFY(std::fabs(labels.mean / 75.54 - 1.0) < 0.1);
        QVERIFY2(seconds < 30.0, "generating the Delicious-200K shape should take a few seconds");
    }

    void amazon_670k_shape_is_faithful() {
        const DataSplit split = generate_synthetic_xmlc(amazon_670k_shape(5'000, 1'000));
        const RowCounts features = row_counts(split.train.sparse);
        const RowCounts labels = row_counts(split.train.labels);
        qInfo("Amazon-670K shape: %.1f features and %.2f labels per sample", features.mean, labels.mean);
        QCOMPARE(split.train.num_features(), 135'909);
        QCOMPARE(split.train.num_labels(), 670'091);
        QCOMPARE(split.test.num_samples(), 1'000);
        QVERIFY(std::fabs(features.mean / 76.0 - 1.0) < 0.1);
        QVERIFY(std::fabs(labels.mean / 5.45 - 1.0) < 0.1);
    }

    void rejects_specs_out_of_range_data() {
        QTest::addColumn<QString>("field");
        QTest::newRow("num_labels") << "num_labels";
        QTest::newRow("mean_features_per_sample") << "mean_features_per_sample";
        QTest::newRow("label_power_law") << "label_power_law";
        QTest::newRow("signature_share") << "signature_share";
    }

    void rejects_specs_out_of_range() {
        QFETCH(QString, field);
        SyntheticXmlcSpec spec = small_synthetic_xmlc();
        if (field == "num_labels") spec.num_labels = 0;
        if (field == "mean_features_per_sample") spec.mean_features_per_sample = 0.5;
        if (field == "label_power_law") spec.label_power_law = -1.0;
        if (field == "signature_share") spec.signature_share = 1.5;
        try {
            generate_synthetic_xmlc(spec);
            QFAIL("no ConfigError for a spec out of range");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("synthetic_xmlc." + field), error.what());
        }
    }

private:
    DataSplit small_;
};

QTEST_GUILESS_MAIN(SyntheticXmlcTest)
#include "test_synthetic_xmlc.moc"
