// The metric registries: every classification, regression and episode metric against values worked out
// by hand on small inputs (ties, absent classes, constant targets, one and two episodes), the direction
// of improvement of every entry and of the names the run summary and the store see, and the evaluator
// scoring a predictor that is not a model.

#include <QtTest>

#include <cmath>
#include <map>
#include <numbers>
#include <numeric>

#include "core/backend/cpu_backend.h"
#include "core/data/dataset.h"
#include "core/metrics/classification_metrics.h"
#include "core/metrics/episode_accuracy.h"
#include "core/metrics/evaluator.h"
#include "core/metrics/metric_names.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/model_predictor.h"
#include "core/metrics/multi_task_metrics.h"
#include "core/metrics/regression_metrics.h"
#include "core/model/multilayer_perceptron.h"

using namespace tb;

namespace {

// The outputs only view the vectors: they must outlive the call that reads them.
ClassificationOutputs outputs_of(const std::vector<double>& scores, const std::vector<std::uint8_t>& truth,
                                 std::int64_t classes, bool multi_label = false) {
    return ClassificationOutputs{static_cast<std::int64_t>(scores.size()) / classes, classes, scores, truth,
                                 multi_label, 0.0};
}

bool close(double a, double b) { return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b)); }

// Scores a fixed table: row i of the evaluation set gets table[i]; it has no loss.
class TablePredictor final : public Predictor {
public:
    explicit TablePredictor(std::vector<std::vector<std::int32_t>> ranked) : ranked_(std::move(ranked)) {}
    BlockScores score(const HostBatch& rows, const ScoreRequest& request) override {
        BlockScores block;
        block.rows = rows.size();
        block.outputs = static_cast<std::int64_t>(ranked_.front().size());
        block.k = std::min<int>(request.top_k, static_cast<int>(block.outputs));
        for (std::int64_t r = 0; r < block.rows; ++r) {
            const std::vector<std::int32_t>& row = ranked_[static_cast<std::size_t>(next_row_++)];
            block.top_k.insert(block.top_k.end(), row.begin(), row.begin() + block.k);
        }
        return block;
    }
    void rewind() { next_row_ = 0; }

private:
    std::vector<std::vector<std::int32_t>> ranked_;
    std::int64_t next_row_ = 0;
};

// Scores a fixed matrix: row i of the evaluation set gets scores[i], and its top-k is ranked from them.
class ScoreTablePredictor final : public Predictor {
public:
    explicit ScoreTablePredictor(std::vector<std::vector<float>> scores) : scores_(std::move(scores)) {}
    BlockScores score(const HostBatch& rows, const ScoreRequest& request) override {
        BlockScores block;
        block.rows = rows.size();
        block.outputs = static_cast<std::int64_t>(scores_.front().size());
        block.k = std::min<int>(request.top_k, static_cast<int>(block.outputs));
        for (std::int64_t r = 0; r < block.rows; ++r) {
            const std::vector<float>& row = scores_[static_cast<std::size_t>(next_row_++)];
            std::vector<std::int32_t> ranked(row.size());
            std::iota(ranked.begin(), ranked.end(), 0);
            std::stable_sort(ranked.begin(), ranked.end(), [&](std::int32_t a, std::int32_t b) { return row[a] > row[b]; });
            block.top_k.insert(block.top_k.end(), ranked.begin(), ranked.begin() + block.k);
            if (request.full_scores) block.scores.insert(block.scores.end(), row.begin(), row.end());
        }
        return block;
    }

private:
    std::vector<std::vector<float>> scores_;
    std::int64_t next_row_ = 0;
};

Dataset dataset_with_labels(const std::vector<std::vector<std::int32_t>>& labels, std::int64_t label_count, TaskKind task) {
    Dataset data;
    data.task = task;
    data.sparse.cols = 2;
    data.labels.cols = label_count;
    for (const auto& row : labels) {
        data.sparse.append_row(std::vector<std::int32_t>{0}, std::vector<float>{1.0f});
        data.labels.append_row(row, std::vector<float>(row.size(), 1.0f));
    }
    return data;
}

}  // namespace

class MetricRegistryTest : public QObject {
    Q_OBJECT

private slots:
    void binary_roc_auc_counts_ties_as_half() {
        // Positives 0.5 and 0.9 against negatives 0.5 and 0.2: three pairs ordered, one tied -> 3.5 / 4.
        const std::vector<double> scores{0.5, 0.5, 0.2, 0.9};
        const std::vector<std::uint8_t> truth{1, 0, 0, 1};
        QCOMPARE(binary_roc_auc(scores, truth), 0.875);
        QCOMPARE(binary_roc_auc(std::vector<double>{0.3, 0.3, 0.3}, std::vector<std::uint8_t>{1, 0, 1}), 0.5);
        // Two columns: the second scores the positive class.
        QCOMPARE(roc_auc(outputs_of({0.5, 0.5, 0.5, 0.5, 0.8, 0.2, 0.1, 0.9}, {0, 1, 1, 0, 1, 0, 0, 1}, 2)), 0.875);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 binary_roc_auc(std::vector<double>{0.1, 0.2}, std::vector<std::uint8_t>{1, 1}));
    }

    void macro_roc_auc_over_classes_present() {
        // Class 0: its one positive outranks all -> 1. Class 1: positives 0.4, 0.3 against negatives 0.2, 0.3
        // -> 3.5 / 4. Class 2: 1. A fourth class with no positive row has no area and is left out.
        const std::vector<double> scores{0.7, 0.2, 0.1, 0.0, 0.3, 0.4, 0.3, 0.0, 0.2, 0.3, 0.5, 0.0, 0.6, 0.3, 0.1, 0.0};
        const std::vector<std::uint8_t> truth{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
        QVERIFY(close(roc_auc(outputs_of(scores, truth, 4)), (1.0 + 0.875 + 1.0) / 3.0));
        // Multi-label with two classes is two one-vs-rest areas, not the binary area of the last column:
        // class 0 ranks its positive last (0), class 1 its positives first (1).
        const std::vector<double> two_scores{0.2, 0.1, 0.9, 0.8, 0.5, 0.3};
        const std::vector<std::uint8_t> two_truth{1, 0, 0, 1, 0, 1};
        QCOMPARE(roc_auc(outputs_of(two_scores, two_truth, 2, true)), 0.5);
        QCOMPARE(roc_auc(outputs_of(two_scores, two_truth, 2, false)), 1.0);
    }

    void micro_f1_with_a_class_absent() {
        // Multi-label, threshold 0. Row 0 predicts {0, 2}, truth {0}: TP 1, FP 1 (class 2 is never true).
        // Row 1 predicts {1}, truth {0, 1}: TP 1, FN 1. F1 = 2*2 / (2*2 + 1 + 1).
        const std::vector<double> multi_scores{1, -1, 2, -1, 1, -1};
        const std::vector<std::uint8_t> multi_truth{1, 0, 0, 1, 1, 0};
        QVERIFY(close(micro_f1(outputs_of(multi_scores, multi_truth, 3, true)), 4.0 / 6.0));
        // Nothing true and nothing predicted.
        QCOMPARE(micro_f1(outputs_of({-1, -1}, {0, 0}, 2, true)), 0.0);
        // One label per row: arg-max rows 0, 1, 2 right, row 3 wrong -> micro-F1 = accuracy = 3/4.
        const std::vector<double> single_scores{0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.2, 0.3, 0.5, 0.6, 0.3, 0.1};
        const std::vector<std::uint8_t> single_truth{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0};
        QCOMPARE(micro_f1(outputs_of(single_scores, single_truth, 3)), 0.75);
        QCOMPARE(classification_accuracy(outputs_of(single_scores, single_truth, 3)), 0.75);
    }

    void regression_by_hand() {
        // Targets 1..4 (mean 2.5, squared spread 5), predictions off by 1 in the last row:
        // nMSE = 1 / 5; residuals 0, 0, 0, -1 have squared spread 0.75, explained variance 1 - 0.75 / 5.
        const std::vector<double> targets{1, 2, 3, 4};
        const std::vector<double> predictions{1, 2, 3, 5};
        const RegressionOutputs one{4, 1, predictions, targets};
        QVERIFY(close(normalized_mean_squared_error(one), 0.2));
        QVERIFY(close(explained_variance(one), 0.85));
        // A second output column with constant targets, predicted exactly: it scores 0 and 1, and the
        // columns are averaged.
        const std::vector<double> two_targets{1, 7, 2, 7, 3, 7, 4, 7};
        const std::vector<double> two_predictions{1, 7, 2, 7, 3, 7, 5, 7};
        const RegressionOutputs two{4, 2, two_predictions, two_targets};
        QVERIFY(close(normalized_mean_squared_error(two), 0.1));
        QVERIFY(close(explained_variance(two), (0.85 + 1.0) / 2));
    }

    void multi_task_regression_by_hand() {
        // Task A: targets 1..4, last prediction off by 1 (SSE 1, spread 5). Task B: targets 10 and 14, the
        // first predicted 12 (SSE 4, spread 8). Pooled: the six targets sum to 34 and their squares to 326,
        // so their spread is 326 - 34^2 / 6 = 400 / 3, and the pooled SSE is 5.
        const std::vector<double> targets{1, 2, 3, 4, 10, 14};
        const std::vector<double> predictions{1, 2, 3, 5, 12, 14};
        const std::vector<std::int64_t> offsets{0, 4, 6};
        const MultiTaskOutputs outputs{offsets, predictions, targets};
        QVERIFY(close(pooled_normalized_mean_squared_error(outputs), 5.0 / (400.0 / 3.0)));
        QVERIFY(close(pooled_explained_variance(outputs), 1.0 - 5.0 / (400.0 / 3.0)));
        QVERIFY(close(pooled_mean_squared_error(outputs), 5.0 / 6.0));
        QVERIFY(close(task_mean_normalized_mean_squared_error(outputs), (1.0 / 5.0 + 4.0 / 8.0) / 2));
        QVERIFY(close(task_mean_explained_variance(outputs), 1.0 - (1.0 / 5.0 + 4.0 / 8.0) / 2));
        const std::vector<double> per_task = per_task_normalized_mean_squared_error(outputs);
        QCOMPARE(per_task.size(), std::size_t{2});
        QVERIFY(close(per_task[1], 0.5));
        // Offsets that do not cover the rows are refused.
        const std::vector<std::int64_t> short_offsets{0, 4, 5};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 pooled_explained_variance(MultiTaskOutputs{short_offsets, predictions, targets}));
    }

    void regression_with_constant_targets() {
        const std::vector<double> targets{2, 2, 2};
        const std::vector<double> exact{2, 2, 2};
        const std::vector<double> off_in_one{2, 2, 3};
        const std::vector<double> shifted{3, 3, 3};
        QCOMPARE(normalized_mean_squared_error({3, 1, exact, targets}), 0.0);
        QCOMPARE(explained_variance({3, 1, exact, targets}), 1.0);
        QCOMPARE(normalized_mean_squared_error({3, 1, off_in_one, targets}), 1.0);
        QCOMPARE(explained_variance({3, 1, off_in_one, targets}), 0.0);
        // A constant offset leaves no residual variance: explained variance still 1, nMSE not 0.
        QCOMPARE(normalized_mean_squared_error({3, 1, shifted, targets}), 1.0);
        QCOMPARE(explained_variance({3, 1, shifted, targets}), 1.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, normalized_mean_squared_error({3, 1, exact, std::span<const double>{}}));
    }

    void episode_interval_for_one_two_and_three_episodes() {
        const std::vector<double> one{0.6};
        QCOMPARE(mean_episode_accuracy(one), 0.6);
        QVERIFY(std::isnan(episode_accuracy_half_width_95(one)));
        // Two episodes: s = 0.1 * sqrt(2), s / sqrt(2) = 0.1; one degree of freedom is the Cauchy
        // distribution, whose two-sided 95% point is tan(0.95 * pi / 2).
        const std::vector<double> two{0.5, 0.7};
        QVERIFY(close(mean_episode_accuracy(two), 0.6));
        const double cauchy = std::tan(0.95 * std::numbers::pi / 2);
        QVERIFY(std::fabs(episode_accuracy_half_width_95(two) - cauchy * 0.1) < 1e-12);
        // Three episodes: s = 0.1; with two degrees of freedom P(|T| < t) = t / sqrt(2 + t^2), so
        // t^2 = 2 c^2 / (1 - c^2).
        const std::vector<double> three{0.5, 0.6, 0.7};
        const double two_dof = std::sqrt(2 * 0.95 * 0.95 / (1 - 0.95 * 0.95));
        QVERIFY(std::fabs(episode_accuracy_half_width_95(three) - two_dof * 0.1 / std::sqrt(3.0)) < 1e-12);
        // Many degrees of freedom approach the normal's 1.959964.
        QVERIFY(std::fabs(student_t_two_sided_critical_value(100000, 0.95) - 1.959963985) < 1e-4);
        QVERIFY(student_t_two_sided_critical_value(30, 0.95) > student_t_two_sided_critical_value(31, 0.95));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, mean_episode_accuracy(std::vector<double>{}));
    }

    void every_entry_says_which_way_it_improves() {
        // Written out independently of the registries; an entry missing here fails the test.
        const std::map<std::pair<MetricTask, std::string>, bool> expected{
            {{MetricTask::multi_label_ranking, "p@K"}, true},
            {{MetricTask::multi_label_ranking, "ndcg@K"}, true},
            {{MetricTask::multi_label_ranking, "accuracy"}, true},
            {{MetricTask::multi_label_ranking, "loss"}, false},
            {{MetricTask::classification, "accuracy"}, true},
            {{MetricTask::classification, "micro_f1"}, true},
            {{MetricTask::classification, "roc_auc"}, true},
            {{MetricTask::classification, "loss"}, false},
            {{MetricTask::regression, "nmse"}, false},
            {{MetricTask::regression, "explained_variance"}, true},
            {{MetricTask::regression, "loss"}, false},
            {{MetricTask::multi_task_regression, "explained_variance"}, true},
            {{MetricTask::multi_task_regression, "nmse"}, false},
            {{MetricTask::multi_task_regression, "task_nmse"}, false},
            {{MetricTask::multi_task_regression, "task_explained_variance"}, true},
            {{MetricTask::multi_task_regression, "mse"}, false},
            {{MetricTask::episodes, "episode_accuracy"}, true},
            {{MetricTask::episodes, "episode_accuracy_ci95"}, false},
        };
        std::size_t seen = 0;
        for (const MetricTask task : all_metric_tasks()) {
            for (const MetricDefinition& definition : metric_registry(task).definitions()) {
                const auto found = expected.find({task, definition.name});
                QVERIFY2(found != expected.end(), definition.name.c_str());
                QCOMPARE(definition.higher_is_better, found->second);
                QVERIFY(!definition.description.empty());
                std::string example = definition.name;
                if (definition.takes_k()) example.replace(example.size() - 1, 1, "5");
                QCOMPARE(metric_higher_is_better(example), found->second);
                QCOMPARE(metric_higher_is_better("worker03." + example), found->second);
                ++seen;
            }
        }
        QCOMPARE(seen, expected.size());
    }

    void names_outside_the_registries_keep_their_direction() {
        for (const char* lower : {"loss", "train_loss", "val_loss", "Test Loss", "worker3.loss", "consensus_distance"}) {
            QVERIFY2(!metric_higher_is_better(lower), lower);
        }
        for (const char* higher : {"p@1", "ndcg@3", "accuracy", "worker07.accuracy", "worker_mean.p@1", "lossless_ratio", "recall@5"}) {
            QVERIFY2(metric_higher_is_better(higher), higher);
        }
    }

    void names_resolve_with_their_k() {
        const MetricRegistry& ranking = metric_registry(MetricTask::multi_label_ranking);
        QCOMPARE(ranking.find("p@5")->k, 5);
        QCOMPARE(ranking.find("ndcg@1000")->k, 1000);
        QVERIFY(!ranking.find("p@0"));
        QVERIFY(!ranking.find("p@1001"));
        QVERIFY(!ranking.find("p@"));
        QVERIFY(!ranking.find("p@3x"));
        QVERIFY(!ranking.find("roc_auc"));
        QVERIFY(metric_registry(MetricTask::classification).find("roc_auc"));
        QCOMPARE(QString::fromStdString(ranking.offered_names()), QString("p@K, ndcg@K, accuracy, loss"));
    }

    void evaluator_scores_a_predictor_that_is_not_a_model() {
        const Dataset data = dataset_with_labels({{0}, {1, 2}, {2}}, 3, TaskKind::multi_label);
        // Three outputs but K = 5: the evaluator pads the top-k with ids that never hit.
        TablePredictor predictor({{0, 1, 2}, {0, 1, 2}, {1, 0, 2}});
        Evaluator evaluator(data, {"p@1", "p@5", "accuracy"}, /*batch_size=*/2);
        const auto results = evaluator.evaluate(predictor);
        QCOMPARE(results.at("p@1"), 1.0 / 3.0);
        QVERIFY(close(results.at("p@5"), (1.0 / 5 + 2.0 / 5 + 1.0 / 5) / 3));
        QCOMPARE(results.at("accuracy"), 1.0 / 3.0);
        // This predictor has no loss to report.
        predictor.rewind();
        Evaluator with_loss(data, {"p@1", "loss"}, 2);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, with_loss.evaluate(predictor));
    }

    void model_predictor_top_k_agrees_with_its_scores() {
        // A small sparse MLP on the CPU: the device top-k, the copied scores and the loss must describe
        // the same forward pass, and accuracy from the top-k path must equal accuracy from the scores.
        Dataset data = dataset_with_labels({{0}, {3}, {1}, {2}, {0}, {3}}, 4, TaskKind::single_label);
        data.sparse = HostCsr{};
        data.sparse.cols = 7;
        for (std::int32_t r = 0; r < 6; ++r) {
            data.sparse.append_row(std::vector<std::int32_t>{r, (r * 3 + 1) % 7}, std::vector<float>{1.0f, 0.5f * (r + 1)});
        }
        CpuBackend backend;
        MlpSpec spec;
        spec.input_features = 7;
        spec.hidden = {5};
        spec.outputs = 4;
        MultilayerPerceptron model(spec);
        ParameterArena parameters(backend, model.layout(), "test");
        parameters.upload(model.initial_parameters(5));
        const std::vector<std::int64_t> rows{0, 1, 2, 3, 4, 5};
        const HostBatch batch = make_batch(data, rows);
        ModelPredictor predictor(backend, model, parameters);
        const BlockScores block = predictor.score(batch, ScoreRequest{.top_k = 4, .full_scores = true, .loss = true});
        QCOMPARE(block.rows, std::int64_t{6});
        QCOMPARE(block.outputs, std::int64_t{4});
        QCOMPARE(block.k, 4);
        QCOMPARE(block.scores.size(), std::size_t{24});
        QVERIFY(block.loss_sum.has_value() && std::isfinite(*block.loss_sum) && *block.loss_sum > 0);
        for (std::size_t r = 0; r < 6; ++r) {
            for (std::size_t l = 1; l < 4; ++l) {
                QVERIFY(block.scores[r * 4 + static_cast<std::size_t>(block.top_k[r * 4 + l - 1])] >=
                        block.scores[r * 4 + static_cast<std::size_t>(block.top_k[r * 4 + l])]);
            }
        }
        const BlockScores top_only = predictor.score(batch, ScoreRequest{.top_k = 2, .full_scores = false, .loss = false});
        QVERIFY(top_only.scores.empty());
        QVERIFY(!top_only.loss_sum);
        QCOMPARE(top_only.k, 2);

        Evaluator evaluator(data, {"accuracy", "micro_f1", "loss"}, /*batch_size=*/4);
        const auto results = evaluator.evaluate(backend, model, parameters);
        QCOMPARE(results.at("accuracy"), results.at("micro_f1"));
        QVERIFY(std::fabs(results.at("loss") - *block.loss_sum / 6) < 1e-6 * *block.loss_sum);
    }

    void evaluator_computes_whole_set_classification_metrics() {
        // The scores of macro_roc_auc_over_classes_present, one label per row, in chunks of 3 and 1 rows.
        const Dataset data = dataset_with_labels({{0}, {1}, {2}, {1}}, 3, TaskKind::single_label);
        ScoreTablePredictor predictor({{0.7f, 0.2f, 0.1f}, {0.3f, 0.4f, 0.3f}, {0.2f, 0.3f, 0.5f}, {0.6f, 0.3f, 0.1f}});
        Evaluator evaluator(data, {"accuracy", "micro_f1", "roc_auc"}, /*batch_size=*/3);
        const auto results = evaluator.evaluate(predictor);
        QCOMPARE(results.at("accuracy"), 0.75);
        QCOMPARE(results.at("micro_f1"), 0.75);
        QVERIFY(close(results.at("roc_auc"), (1.0 + 0.875 + 1.0) / 3.0));
        QVERIFY(evaluator_offers_metric("roc_auc"));
        QVERIFY(!evaluator_offers_metric("nmse"));  // regression needs targets the data sets do not hold yet
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Evaluator(data, {"nmse"}, 3));
        // Every score on the host must fit: 4 rows x 2^27 outputs is twice the limit, refused before
        // anything is copied.
        class WideScores final : public Predictor {
        public:
            BlockScores score(const HostBatch& rows, const ScoreRequest&) override {
                return BlockScores{.rows = rows.size(), .outputs = std::int64_t{1} << 27, .k = 0, .top_k = {}, .scores = {}, .loss_sum = {}};
            }
        } wide;
        Evaluator wide_evaluator(data, {"roc_auc"}, 4);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wide_evaluator.evaluate(wide));
    }
};

QTEST_APPLESS_MAIN(MetricRegistryTest)
#include "test_metric_registry.moc"
