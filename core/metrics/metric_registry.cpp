#include "core/metrics/metric_registry.h"

#include <charconv>

#include "core/metrics/episode_accuracy.h"
#include "core/metrics/ranking_metrics.h"

namespace tb {

namespace {

// K of "prefix@K" when name is the family's member with 1 <= K <= 1000.
std::optional<int> k_of(std::string_view name, std::string_view family) {
    const std::string_view prefix = family.substr(0, family.size() - 1);  // "p@K" -> "p@"
    if (!name.starts_with(prefix) || name.size() == prefix.size()) return std::nullopt;
    int k = 0;
    const char* end = name.data() + name.size();
    const auto [rest, error] = std::from_chars(name.data() + prefix.size(), end, k);
    if (error != std::errc() || rest != end || k < 1 || k > 1000) return std::nullopt;
    return k;
}

MetricDefinition mean_loss() {
    return {"loss", "mean loss per test row, as the model's training loss measures it", false, MeanLossPerRow{}};
}

std::vector<MetricDefinition> multi_label_ranking_metrics() {
    return {
        {"p@K", "precision at K: the fraction of the K best-scored labels that are true, averaged over rows", true,
         &precision_at_k},
        {"ndcg@K", "normalized discounted cumulative gain at K: true labels near the top count more, 1 for an ideal "
                   "ranking",
         true, &ndcg_at_k},
        {"accuracy", "fraction of rows whose best-scored label is a true one", true, &top1_in_labels},
        mean_loss(),
    };
}

std::vector<MetricDefinition> classification_metrics() {
    return {
        {"accuracy", "fraction of rows whose best-scored class is a true one", true, &classification_accuracy},
        {"micro_f1", "F1 over every (row, class) decision pooled: 2 TP / (2 TP + FP + FN)", true, &micro_f1},
        {"roc_auc", "area under the ROC curve: binary, or the mean one-vs-rest area over classes", true, &roc_auc},
        mean_loss(),
    };
}

std::vector<MetricDefinition> regression_metrics() {
    return {
        {"nmse", "squared error relative to predicting the mean target: 0 is exact, 1 no better than the mean", false,
         &normalized_mean_squared_error},
        {"explained_variance", "fraction of the targets' variance the predictions explain: 1 - Var(y - p) / Var(y)",
         true, &explained_variance},
        mean_loss(),
    };
}

// The definitions, and which papers report which, are in core/metrics/multi_task_metrics.h.
std::vector<MetricDefinition> multi_task_regression_metrics() {
    return {
        {"explained_variance", "over every task's test rows pooled: 1 - MSE / Var(y), the explained variance School "
                               "results are reported in",
         true, &pooled_explained_variance},
        {"nmse", "over every task's test rows pooled: MSE / Var(y), 0 is exact, 1 no better than the mean", false,
         &pooled_normalized_mean_squared_error},
        {"task_nmse", "each task's MSE / Var(y), averaged over the tasks", false,
         &task_mean_normalized_mean_squared_error},
        {"task_explained_variance", "each task's 1 - MSE / Var(y), averaged over the tasks", true,
         &task_mean_explained_variance},
        {"mse", "mean squared error over every task's test rows", false, &pooled_mean_squared_error},
    };
}

std::vector<MetricDefinition> episode_metrics() {
    return {
        {"episode_accuracy", "accuracy on each test episode's queries, averaged over the episodes", true,
         &mean_episode_accuracy},
        {"episode_accuracy_ci95", "half-width of the 95% confidence interval of episode_accuracy (Student's t)",
         false, &episode_accuracy_half_width_95},
    };
}

}  // namespace

MetricRegistry::MetricRegistry(MetricTask task, std::vector<MetricDefinition> definitions)
    : task_(task), definitions_(std::move(definitions)) {}

std::optional<ResolvedMetric> MetricRegistry::find(std::string_view name) const {
    for (const MetricDefinition& definition : definitions_) {
        if (definition.takes_k()) {
            if (const std::optional<int> k = k_of(name, definition.name)) return ResolvedMetric{&definition, *k};
        } else if (name == definition.name) {
            return ResolvedMetric{&definition, 1};
        }
    }
    return std::nullopt;
}

std::string MetricRegistry::offered_names() const {
    std::string names;
    for (const MetricDefinition& definition : definitions_) {
        if (!names.empty()) names += ", ";
        names += definition.name;
    }
    return names;
}

const MetricRegistry& metric_registry(MetricTask task) {
    static const MetricRegistry ranking(MetricTask::multi_label_ranking, multi_label_ranking_metrics());
    static const MetricRegistry classification(MetricTask::classification, classification_metrics());
    static const MetricRegistry regression(MetricTask::regression, regression_metrics());
    static const MetricRegistry multi_task_regression(MetricTask::multi_task_regression, multi_task_regression_metrics());
    static const MetricRegistry episodes(MetricTask::episodes, episode_metrics());
    switch (task) {
        case MetricTask::multi_label_ranking: return ranking;
        case MetricTask::classification: return classification;
        case MetricTask::regression: return regression;
        case MetricTask::multi_task_regression: return multi_task_regression;
        case MetricTask::episodes: return episodes;
    }
    return ranking;
}

const std::vector<MetricTask>& all_metric_tasks() {
    static const std::vector<MetricTask> tasks{MetricTask::multi_label_ranking, MetricTask::classification,
                                               MetricTask::regression, MetricTask::multi_task_regression,
                                               MetricTask::episodes};
    return tasks;
}

std::string_view to_string(MetricTask task) {
    switch (task) {
        case MetricTask::multi_label_ranking: return "multi-label ranking";
        case MetricTask::classification: return "classification";
        case MetricTask::regression: return "regression";
        case MetricTask::multi_task_regression: return "multi-task regression";
        case MetricTask::episodes: return "episodes";
    }
    return "unknown";
}

}  // namespace tb
