#pragma once
// One registry of metrics per task kind: each entry's name, what it measures, whether higher is better
// and how it is computed. A name ending in "@K" stands for a family (p@1, p@5, ...: K from 1 to 1000).
// Everything that needs to know about a metric (config validation, the run summary, the store's
// direction of improvement) asks here, so a metric added to a registry is known everywhere at once.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/metrics/classification_metrics.h"
#include "core/metrics/multi_task_metrics.h"
#include "core/metrics/regression_metrics.h"

namespace tb {

enum class MetricTask { multi_label_ranking, classification, regression, multi_task_regression, episodes };

// How an entry is computed, by what its task gives it.
struct MeanLossPerRow {};  // the predictor's summed loss over the set, divided by its rows
using RankingRowScore = double (*)(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int k);
using ClassificationScore = double (*)(const ClassificationOutputs&);
using RegressionScore = double (*)(const RegressionOutputs&);
using EpisodeScore = double (*)(std::span<const double> episode_accuracies);
using MultiTaskScore = double (*)(const MultiTaskOutputs&);
using MetricComputation =
    std::variant<MeanLossPerRow, RankingRowScore, ClassificationScore, RegressionScore, MultiTaskScore, EpisodeScore>;

struct MetricDefinition {
    std::string name;  // "accuracy", or "p@K" for the family p@1, p@2, ...
    std::string description;
    bool higher_is_better = true;
    MetricComputation computation;

    bool takes_k() const { return name.ends_with("@K"); }
};

// A metric name resolved against a registry: its definition and, for an @K family, its K.
struct ResolvedMetric {
    const MetricDefinition* definition = nullptr;
    int k = 1;
};

class MetricRegistry {
public:
    MetricRegistry(MetricTask task, std::vector<MetricDefinition> definitions);

    MetricTask task() const { return task_; }
    const std::vector<MetricDefinition>& definitions() const { return definitions_; }
    std::optional<ResolvedMetric> find(std::string_view name) const;
    // "p@K, ndcg@K, accuracy, loss": for messages that tell a user what to write instead.
    std::string offered_names() const;

private:
    MetricTask task_;
    std::vector<MetricDefinition> definitions_;
};

const MetricRegistry& metric_registry(MetricTask task);
const std::vector<MetricTask>& all_metric_tasks();
std::string_view to_string(MetricTask task);

}  // namespace tb
