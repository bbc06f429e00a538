#include "core/metrics/score_matrix_metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/metrics/metric_registry.h"

namespace tb {

namespace {

// Mean over rows of the model's loss, in double: softmax cross-entropy against the mean of the row's
// labels, or the summed per-label binary cross-entropy (as the training loss counts them).
double mean_loss(const ScoredRows& rows) {
    double total = 0;
    for (std::int64_t r = 0; r < rows.rows; ++r) {
        const float* x = rows.scores.data() + r * rows.outputs;
        const auto labels = rows.labels->row_columns(r);
        if (rows.loss == LossKind::softmax_cross_entropy) {
            if (labels.empty()) continue;
            const double maximum = *std::max_element(x, x + rows.outputs);
            double exponentials = 0;
            for (std::int64_t c = 0; c < rows.outputs; ++c) exponentials += std::exp(x[c] - maximum);
            double label_mean = 0;
            for (const std::int32_t label : labels) label_mean += x[label];
            label_mean /= static_cast<double>(labels.size());
            total += maximum + std::log(exponentials) - label_mean;
        } else {
            for (std::int64_t c = 0; c < rows.outputs; ++c) {
                const double v = x[c];
                total += std::max(v, 0.0) + std::log1p(std::exp(-std::fabs(v)));
            }
            for (const std::int32_t label : labels) total -= x[label];
        }
    }
    return rows.rows > 0 ? total / static_cast<double>(rows.rows) : 0.0;
}

ClassificationScore classification_score(const std::string& name) {
    const std::optional<ResolvedMetric> metric = metric_registry(MetricTask::classification).find(name);
    if (metric) {
        if (const auto* score = std::get_if<ClassificationScore>(&metric->definition->computation)) return *score;
    }
    return nullptr;
}

}  // namespace

bool score_matrix_offers_metric(const std::string& name) { return name == "loss" || classification_score(name) != nullptr; }

std::map<std::string, double> score_matrix_metrics(const std::vector<std::string>& names, const ScoredRows& rows) {
    std::vector<double> scores;
    std::vector<std::uint8_t> truth;
    std::map<std::string, double> results;
    for (const std::string& name : names) {
        if (name == "loss") {
            results[name] = mean_loss(rows);
            continue;
        }
        const ClassificationScore score = classification_score(name);
        if (score == nullptr) {
            throw std::invalid_argument("metric '" + name + "' is not offered on a graph's nodes (accuracy, micro_f1, "
                                        "roc_auc, loss)");
        }
        if (scores.empty()) {
            scores.assign(rows.scores.begin(), rows.scores.end());
            truth.assign(static_cast<std::size_t>(rows.rows * rows.outputs), 0);
            for (std::int64_t r = 0; r < rows.rows; ++r) {
                for (const std::int32_t label : rows.labels->row_columns(r)) {
                    truth[static_cast<std::size_t>(r * rows.outputs + label)] = 1;
                }
            }
        }
        results[name] = score(ClassificationOutputs{rows.rows, rows.outputs, scores, truth, rows.multi_label, 0.0});
    }
    return results;
}

}  // namespace tb
