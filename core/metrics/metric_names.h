#pragma once
// The metrics named in configs and summaries: p@K and ndcg@K (multi-label ranking, K >= 1),
// accuracy (single-label top-1) and loss (mean loss per sample).

#include <optional>
#include <string>

namespace tb {

struct MetricName {
    enum class Kind { precision_at_k, ndcg_at_k, accuracy, loss };
    Kind kind;
    int k = 1;  // for p@K and ndcg@K
};

// nullopt when the name is not a metric.
std::optional<MetricName> parse_metric_name(const std::string& name);
bool metric_higher_is_better(const std::string& name);  // false for loss (and *_loss)

}  // namespace tb
