#include "core/metrics/metric_names.h"

#include <cctype>
#include <optional>

#include "core/metrics/metric_registry.h"

namespace tb {

namespace {

std::optional<bool> registered_direction(std::string_view name) {
    for (const MetricTask task : all_metric_tasks()) {
        if (const std::optional<ResolvedMetric> metric = metric_registry(task).find(name)) {
            return metric->definition->higher_is_better;
        }
    }
    return std::nullopt;
}

bool ends_with_ignoring_case(std::string_view name, std::string_view lower_case_suffix) {
    if (name.size() < lower_case_suffix.size()) return false;
    const std::string_view ending = name.substr(name.size() - lower_case_suffix.size());
    for (std::size_t i = 0; i < lower_case_suffix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(ending[i])) != lower_case_suffix[i]) return false;
    }
    return true;
}

}  // namespace

bool metric_higher_is_better(std::string_view name) {
    if (const std::optional<bool> direction = registered_direction(name)) return *direction;
    if (const std::size_t dot = name.rfind('.'); dot != std::string_view::npos) {
        if (const std::optional<bool> direction = registered_direction(name.substr(dot + 1))) return *direction;
    }
    // Values no registry lists: the training loss ("train_loss", "Test Loss") and distances
    // ("consensus_distance") improve downwards, everything else upwards.
    return !(ends_with_ignoring_case(name, "loss") || ends_with_ignoring_case(name, "distance"));
}

}  // namespace tb
