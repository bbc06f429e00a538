#include "storage/metric_summary.h"

#include <cmath>
#include <utility>

#include "core/metrics/metric_names.h"

namespace tb::storage {

bool lower_is_better(std::string_view metric) { return !metric_higher_is_better(metric); }

MetricSummary MetricSummary::for_metric(std::string key, std::optional<double> target) {
    MetricSummary summary;
    summary.lower_is_better = storage::lower_is_better(key);
    summary.key = std::move(key);
    summary.target = target;
    return summary;
}

bool MetricSummary::reaches_target(double value) const {
    if (!target || std::isnan(value)) return false;
    return lower_is_better ? value <= *target : value >= *target;
}

void MetricSummary::add(double t, double value) {
    ++points;
    last = value;
    last_t = t;
    if (std::isnan(value)) return;
    const bool improves = std::isnan(best) || (lower_is_better ? value < best : value > best);
    if (improves) {
        best = value;
        best_t = t;
    }
    if (!time_to_target && reaches_target(value)) time_to_target = t;
}

}  // namespace tb::storage
