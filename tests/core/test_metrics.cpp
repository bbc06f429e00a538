// Ranking metrics on hand-computed cases, and the run summary's best values and time to target.

#include <QtTest>

#include <cmath>

#include "core/metrics/classification_metrics.h"
#include "core/metrics/metric_accumulator.h"
#include "core/session/run_summary.h"

using namespace tb;

namespace {

HostCsr label_rows(const std::vector<std::vector<std::int32_t>>& rows, std::int64_t labels) {
    HostCsr csr;
    csr.cols = labels;
    for (const auto& row : rows) {
        std::vector<float> ones(row.size(), 1.0f);
        csr.append_row(row, ones);
    }
    return csr;
}

}  // namespace

class MetricsTest : public QObject {
    Q_OBJECT

private slots:
    void precision_and_ndcg_by_hand() {
        MetricAccumulator accumulator({"p@1", "p@3", "ndcg@3", "accuracy", "loss"});
        QCOMPARE(accumulator.required_top_k(), 3);
        // Row 0: truth {1, 4}; predicted 4, 2, 1 -> hits at ranks 1 and 3.
        // Row 1: truth {0}; predicted 3, 0, 2 -> hit at rank 2.
        // Row 2: no labels -> scores 0 everywhere (Extreme Classification Repository convention).
        const HostCsr labels = label_rows({{1, 4}, {0}, {}}, 5);
        accumulator.add_batch({4, 2, 1, 3, 0, 2, 0, 1, 2}, 3, labels, 6.0);
        const auto results = accumulator.results();
        QCOMPARE(results.at("p@1"), 1.0 / 3.0);
        QCOMPARE(results.at("p@3"), (2.0 / 3.0 + 1.0 / 3.0 + 0.0) / 3.0);
        const double row0 = (1.0 + 1.0 / std::log2(4.0)) / (1.0 + 1.0 / std::log2(3.0));
        const double row1 = (1.0 / std::log2(3.0)) / 1.0;
        QVERIFY(std::fabs(results.at("ndcg@3") - (row0 + row1) / 3.0) < 1e-12);
        QCOMPARE(results.at("accuracy"), 1.0 / 3.0);
        QCOMPARE(results.at("loss"), 2.0);
    }

    void binary_log_loss_by_hand() {
        const std::vector<double> probabilities{0.8, 0.25, 1.0};
        const std::vector<std::uint8_t> truth{1, 0, 0};
        // -(log 0.8 + log 0.75 + log 1e-7) / 3: the certain mistake is clamped, not infinite.
        const double expected = -(std::log(0.8) + std::log(0.75) + std::log(1e-7)) / 3;
        QVERIFY(std::fabs(binary_log_loss(probabilities, truth) - expected) < 1e-9);
        QCOMPARE(binary_log_loss({}, {}), 0.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, binary_log_loss(probabilities, std::vector<std::uint8_t>{1}));
    }

    void unknown_metric_is_rejected() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, MetricAccumulator({"p@0"}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, MetricAccumulator({"recall@5"}));
    }

    void summary_tracks_best_and_time_to_target() {
        RunSummary summary(TargetConfig{"p@1", 0.5});
        summary.record_eval(1.0, {{"p@1", 0.3}, {"loss", 2.0}});
        summary.record_eval(2.0, {{"p@1", 0.55}, {"loss", 1.5}});
        summary.record_eval(3.0, {{"p@1", 0.52}, {"loss", 1.7}});
        QVERIFY(summary.target_reached());
        QCOMPARE(*summary.time_to_target(), 2.0);
        QCOMPARE(summary.metrics().at("p@1").best, 0.55);
        QCOMPARE(summary.metrics().at("p@1").last, 0.52);
        QCOMPARE(summary.metrics().at("loss").best, 1.5);  // lower is better for loss
        QCOMPARE(summary.metrics().at("loss").best_t, 2.0);
        const nlohmann::json json = summary.to_json();
        QCOMPARE(json["time_to_target_s"].get<double>(), 2.0);
        QCOMPARE(json["best"]["p@1"].get<double>(), 0.55);
    }

    void loss_target_is_reached_from_above() {
        RunSummary summary(TargetConfig{"loss", 1.0});
        summary.record_eval(1.0, {{"loss", 1.2}});
        QVERIFY(!summary.target_reached());
        summary.record_eval(2.0, {{"loss", 0.9}});
        QCOMPARE(*summary.time_to_target(), 2.0);
        QVERIFY(summary.to_json()["time_to_target_s"].is_number());
        RunSummary never(TargetConfig{"p@1", 0.9});
        never.record_eval(1.0, {{"p@1", 0.1}});
        QVERIFY(never.to_json()["time_to_target_s"].is_null());
    }
};

QTEST_GUILESS_MAIN(MetricsTest)
#include "test_metrics.moc"
