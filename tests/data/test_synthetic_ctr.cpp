// The Zipf sampler against the exact probabilities (small n, several exponents, 1 included, and the head of
// a 10^8-rank distribution), and the synthetic click data: its layout, determinism, id ranges, a Zipf head
// in every field, a realistic click rate, and the planted model's AUC between chance and certainty.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/data/ctr/synthetic_ctr.h"
#include "core/metrics/classification_metrics.h"
#include "core/random/zipf_sampler.h"

using namespace tb;

namespace {

// sum_{k=1..n} k^-s: exactly up to 10^5, then the Euler-Maclaurin integral of the smooth tail.
double generalized_harmonic(std::int64_t n, double s) {
    const std::int64_t exact = std::min<std::int64_t>(n, 100000);
    double sum = 0;
    for (std::int64_t k = exact; k >= 1; --k) sum += std::pow(static_cast<double>(k), -s);
    if (n > exact) {
        const auto antiderivative = [s](double x) { return s == 1 ? std::log(x) : std::pow(x, 1 - s) / (1 - s); };
        sum += antiderivative(static_cast<double>(n) + 0.5) - antiderivative(static_cast<double>(exact) + 0.5);
    }
    return sum;
}

}  // namespace

class TestSyntheticCtr : public QObject {
    Q_OBJECT

private slots:
    void zipf_draws_follow_the_exact_probabilities() {
        for (const double exponent : {0.6, 1.0, 1.1, 2.5}) {
            const std::int64_t n = 50;
            const ZipfSampler sampler(n, exponent);
            RandomStream random(11);
            const int draws = 200000;
            std::vector<int> counts(static_cast<std::size_t>(n + 1), 0);
            for (int i = 0; i < draws; ++i) {
                const std::int64_t k = sampler.draw(random);
                QVERIFY(k >= 1 && k <= n);
                ++counts[static_cast<std::size_t>(k)];
            }
            // Chi-square over the ranks expected at least 5 times (49 degrees of freedom at most: 85.4 at
            // the 0.999 quantile).
            const double total = generalized_harmonic(n, exponent);
            double chi_square = 0;
            for (std::int64_t k = 1; k <= n; ++k) {
                const double expected = draws * std::pow(static_cast<double>(k), -exponent) / total;
                if (expected < 5) continue;
                const double gap = counts[static_cast<std::size_t>(k)] - expected;
                chi_square += gap * gap / expected;
            }
            QVERIFY2(chi_square < 85.4, qPrintable(QString("exponent %1: chi-square %2").arg(exponent).arg(chi_square)));
        }
        const ZipfSampler single(1, 1.1);
        RandomStream random(3);
        for (int i = 0; i < 100; ++i) QCOMPARE(single.draw(random), std::int64_t{1});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ZipfSampler(0, 1.1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ZipfSampler(10, 0));

        // A vocabulary of 10^8: no table, and the head where it belongs (P(1) = 1 / H(n, s)).
        const std::int64_t huge = 100000000;
        const ZipfSampler wide(huge, 1.1);
        int ones = 0;
        const int draws = 100000;
        for (int i = 0; i < draws; ++i) {
            const std::int64_t k = wide.draw(random);
            QVERIFY(k >= 1 && k <= huge);
            ones += k == 1 ? 1 : 0;
        }
        const double expected = draws / generalized_harmonic(huge, 1.1);
        QVERIFY2(std::abs(ones - expected) < 4 * std::sqrt(expected), qPrintable(QString("%1 ones, %2 expected").arg(ones).arg(expected)));
    }

    void synthetic_clicks_have_the_criteo_layout_and_a_known_best_auc() {
        SyntheticCtrSpec spec;
        spec.train_rows = 20000;
        spec.test_rows = 20000;
        spec.vocabulary_per_field = 5000;
        const SyntheticCtr data = generate_synthetic_ctr(spec);
        QCOMPARE(data.train.rows(), std::int64_t{20000});
        QCOMPARE(data.test.rows(), std::int64_t{20000});
        QCOMPARE(data.train.dense.size(), std::size_t{20000 * 13});
        QCOMPARE(data.train.categorical.size(), std::size_t{20000 * 26});
        QCOMPARE(data.train.buckets_per_field, std::vector<std::int64_t>(26, 5001));
        for (const std::uint32_t bucket : data.train.categorical) QVERIFY(bucket >= 1 && bucket <= 5000);
        for (const float value : data.train.dense) QVERIFY(std::isfinite(value) && value >= 0);

        double clicks = 0;
        for (const float label : data.test.labels) clicks += label;
        const double click_rate = clicks / static_cast<double>(data.test.rows());
        // The best achievable figures: the planted probabilities scored against the drawn clicks.
        std::vector<std::uint8_t> truth;
        double log_loss = 0;
        for (std::size_t r = 0; r < data.test.labels.size(); ++r) {
            const bool click = data.test.labels[r] > 0.5f;
            truth.push_back(click ? 1 : 0);
            log_loss -= click ? std::log(data.test_click_probability[r]) : std::log1p(-data.test_click_probability[r]);
        }
        log_loss /= static_cast<double>(truth.size());
        const double planted_auc = binary_roc_auc(data.test_click_probability, truth);
        qInfo("click rate %.4f, planted test AUC %.4f, planted test log loss %.4f", click_rate, planted_auc, log_loss);
        QVERIFY2(click_rate > 0.15 && click_rate < 0.40, qPrintable(QString::number(click_rate)));
        QVERIFY2(planted_auc > 0.70 && planted_auc < 0.95, qPrintable(QString::number(planted_auc)));
        QVERIFY(log_loss > 0 && log_loss < std::log(2.0));
        // The planted probabilities are calibrated: their mean is the click rate.
        double mean_probability = 0;
        for (const double p : data.test_click_probability) mean_probability += p;
        mean_probability /= static_cast<double>(data.test.rows());
        QVERIFY2(std::abs(mean_probability - click_rate) < 0.015, qPrintable(QString("%1 vs %2").arg(mean_probability).arg(click_rate)));

        // Each field's most frequent id takes about P(rank 1) of the rows (a Zipf head, as cached rows need).
        const double head = 1 / generalized_harmonic(5000, 1.1);
        for (int f : {0, 25}) {
            std::map<std::uint32_t, int> counts;
            for (std::int64_t r = 0; r < data.train.rows(); ++r) ++counts[data.train.categorical[static_cast<std::size_t>(r * 26 + f)]];
            int most = 0;
            for (const auto& [id, count] : counts) most = std::max(most, count);
            const double share = most / 20000.0;
            QVERIFY2(std::abs(share - head) < 0.02, qPrintable(QString("field %1: %2 against %3").arg(f).arg(share).arg(head)));
        }

        // The same seed, the same data; another seed, other data.
        const SyntheticCtr again = generate_synthetic_ctr(spec);
        QCOMPARE(again.train.categorical, data.train.categorical);
        QCOMPARE(again.test.labels, data.test.labels);
        spec.seed = 2;
        QVERIFY(generate_synthetic_ctr(spec).train.categorical != data.train.categorical);
    }

    void a_vocabulary_of_ten_to_the_eight_costs_no_memory() {
        SyntheticCtrSpec spec;
        spec.train_rows = 2000;
        spec.test_rows = 2000;
        spec.vocabulary_per_field = 100000000 / 26;
        const SyntheticCtr data = generate_synthetic_ctr(spec);
        QCOMPARE(data.train.total_buckets(), std::int64_t{26} * (100000000 / 26 + 1));
        for (const std::uint32_t bucket : data.train.categorical) QVERIFY(bucket >= 1 && bucket <= 100000000 / 26);
        spec.vocabulary_per_field = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, generate_synthetic_ctr(spec));
    }
};

QTEST_GUILESS_MAIN(TestSyntheticCtr)
#include "test_synthetic_ctr.moc"
