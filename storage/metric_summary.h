#pragma once
// The summary of one metric series: last value, best value and when it was reached, and when the run
// first reached its target. The run writer keeps one per metric current as evaluations arrive; a
// comparison computes the same from a loaded series, so both agree by construction.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace tb::storage {

// Losses improve downwards: a metric named "loss" or ending in "loss" ("val_loss", "test loss"),
// compared case-insensitively. Every other metric (accuracy, p@k, ...) improves upwards.
bool lower_is_better(std::string_view metric);

struct MetricSummary {
    static constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

    std::string key;
    bool lower_is_better = false;
    std::int64_t points = 0;
    double last = not_a_number;
    double last_t = not_a_number;
    double best = not_a_number;    // NaN until a value that is a number arrives
    double best_t = not_a_number;  // run clock of the best value
    std::optional<double> target;
    std::optional<double> time_to_target;  // run clock when the target was first reached

    static MetricSummary for_metric(std::string key, std::optional<double> target);

    // Adds the next point in time order. A NaN (a diverged loss) counts as a point and becomes the last
    // value, but is never the best and never reaches the target.
    void add(double t, double value);

    bool reaches_target(double value) const;
};

}  // namespace tb::storage
