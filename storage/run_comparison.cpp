#include "storage/run_comparison.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "storage/run_details.h"
#include "storage/run_labels.h"
#include "storage/run_store.h"
#include "storage/series_loading.h"
#include "storage/storage_error.h"

namespace tb::storage {
namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

double x_of(const MetricPoint& point, ComparisonAxis axis) {
    switch (axis) {
        case ComparisonAxis::run_clock: return point.t;
        case ComparisonAxis::wall_clock: return point.wall_s;
        case ComparisonAxis::epoch: return point.epoch;
        case ComparisonAxis::samples: return static_cast<double>(point.samples);
    }
    return point.t;
}

std::string choose_metric(RunStore& store, const std::vector<std::int64_t>& run_ids,
                          const std::vector<nlohmann::json>& configs) {
    for (const nlohmann::json& config : configs) {
        if (const std::optional<StopTarget> target = stop_target(config)) return target->metric;
    }
    // Otherwise the first metric (by name) that every run recorded.
    std::set<std::string> common;
    for (std::size_t index = 0; index < run_ids.size(); ++index) {
        const std::vector<std::string> run_keys = metric_keys(store, run_ids[index]);
        const std::set<std::string> keys(run_keys.begin(), run_keys.end());
        if (index == 0) {
            common = std::move(keys);
        } else {
            std::erase_if(common, [&](const std::string& key) { return !keys.contains(key); });
        }
    }
    if (common.empty()) {
        throw StorageError("Run store '" + store.path().string() +
                           "': the runs have no metric in common to compare; name one with --metric.");
    }
    return *common.begin();
}

// The runs' own target for the metric. Runs that target different values are all judged against the
// most demanding of them, whatever order they were named in, and the note says so.
std::optional<double> choose_target(const std::vector<nlohmann::json>& configs, const std::string& metric,
                                    bool lower_is_better, std::string& note) {
    std::set<double> targets;
    for (const nlohmann::json& config : configs) {
        const std::optional<StopTarget> target = stop_target(config);
        if (target && target->metric == metric) targets.insert(target->value);
    }
    if (targets.empty()) return std::nullopt;
    const double chosen = lower_is_better ? *targets.begin() : *targets.rbegin();
    if (targets.size() > 1) {
        std::ostringstream text;
        text << "the runs target different values of " << metric << " (";
        bool first = true;
        for (double value : targets) {
            text << (first ? "" : ", ") << value;
            first = false;
        }
        text << "); all are compared against the most demanding, " << chosen << " (--target chooses another)";
        note = text.str();
    }
    return chosen;
}

// Linear interpolation of one series at increasing xs; NaN outside the series' x range.
std::vector<double> interpolate_at(const std::vector<MetricPoint>& points, ComparisonAxis axis,
                                   const std::vector<double>& xs) {
    std::vector<double> values(xs.size(), not_a_number);
    if (points.empty()) return values;
    std::size_t right = 0;
    for (std::size_t index = 0; index < xs.size(); ++index) {
        const double x = xs[index];
        if (x < x_of(points.front(), axis) || x > x_of(points.back(), axis)) continue;
        while (right < points.size() && x_of(points[right], axis) < x) ++right;
        if (right == points.size()) break;
        const MetricPoint& after = points[right];
        if (right == 0 || x_of(after, axis) == x) {
            values[index] = after.value;
            continue;
        }
        const MetricPoint& before = points[right - 1];
        const double span = x_of(after, axis) - x_of(before, axis);
        const double fraction = span > 0 ? (x - x_of(before, axis)) / span : 1.0;
        values[index] = before.value + fraction * (after.value - before.value);
    }
    return values;
}

AlignedSeries align(const std::vector<std::vector<MetricPoint>>& series, ComparisonAxis axis, std::size_t points) {
    AlignedSeries aligned;
    aligned.axis = axis;
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (const auto& run_points : series) {
        if (run_points.empty()) continue;
        low = std::min(low, x_of(run_points.front(), axis));
        high = std::max(high, x_of(run_points.back(), axis));
    }
    if (low <= high && points > 0) {
        const std::size_t count = high > low ? std::max<std::size_t>(points, 2) : 1;
        for (std::size_t index = 0; index < count; ++index) {
            aligned.x.push_back(count == 1 ? low : low + (high - low) * static_cast<double>(index) /
                                                             static_cast<double>(count - 1));
        }
    }
    for (const auto& run_points : series) aligned.values.push_back(interpolate_at(run_points, axis, aligned.x));
    return aligned;
}

}  // namespace

RunComparison compare_runs(RunStore& store, const std::vector<std::int64_t>& run_ids, const ComparisonOptions& options) {
    if (run_ids.empty()) {
        throw StorageError("Run store '" + store.path().string() + "': no runs given to compare.");
    }
    std::vector<RunRecord> records;
    std::vector<nlohmann::json> configs;
    for (const std::int64_t run_id : run_ids) {
        records.push_back(require_run(store, run_id));
        configs.push_back(load_run_config(store, run_id));
    }

    RunComparison comparison;
    comparison.metric = options.metric.empty() ? choose_metric(store, run_ids, configs) : options.metric;
    comparison.lower_is_better = lower_is_better(comparison.metric);
    comparison.target = options.target ? options.target
                                       : choose_target(configs, comparison.metric, comparison.lower_is_better,
                                                       comparison.target_note);

    std::vector<std::vector<MetricPoint>> series;
    for (RunRecord& record : records) {
        std::vector<MetricSeries> loaded = load_metric_series(store, record.id, 0, {comparison.metric});
        std::vector<MetricPoint> points = std::move(loaded.front().points);
        // The same accumulation the writer uses, so a comparison and the stored summaries agree.
        MetricSummary summary = MetricSummary::for_metric(comparison.metric, comparison.target);
        for (const MetricPoint& point : points) summary.add(point.t, point.value);
        comparison.runs.push_back({std::move(record), std::move(summary)});
        series.push_back(std::move(points));
    }
    const bool any_run_has_the_metric = std::any_of(comparison.runs.begin(), comparison.runs.end(),
                                                    [](const ComparedRun& run) { return run.summary.points > 0; });
    if (!any_run_has_the_metric) {
        std::set<std::string> recorded;
        for (const std::int64_t run_id : run_ids) {
            for (std::string& key : metric_keys(store, run_id)) recorded.insert(std::move(key));
        }
        std::string names;
        for (const std::string& key : recorded) names += (names.empty() ? "" : ", ") + key;
        throw StorageError("Run store '" + store.path().string() + "': none of the runs recorded the metric '" +
                           comparison.metric + "'" +
                           (names.empty() ? std::string("; they recorded no metrics at all.")
                                          : "; they recorded " + names + "."));
    }
    comparison.aligned = align(series, options.axis, options.aligned_points);
    comparison.config_differences = config_differences(configs);
    return comparison;
}

}  // namespace tb::storage
