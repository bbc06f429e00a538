#pragma once
// The metrics named in configs and summaries: p@K and ndcg@K (multi-label ranking, K >= 1),
// accuracy (single-label top-1) and loss (mean loss per sample).

#include <optional>
#include <string>
#include <string_view>

namespace tb {

struct MetricName {
    enum class Kind { precision_at_k, ndcg_at_k, accuracy, loss };
    Kind kind;
    int k = 1;  // for p@K and ndcg@K
};

// nullopt when the name is not a metric.
std::optional<MetricName> parse_metric_name(const std::string& name);
// False for losses (any name ending in "loss", any case) and distances (ending in "distance").
bool metric_higher_is_better(std::string_view name);

}  // namespace tb
