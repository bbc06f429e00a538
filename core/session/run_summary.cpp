#include "core/session/run_summary.h"

#include <algorithm>
#include <cmath>

#include "core/metrics/metric_names.h"

namespace tb {

void RunSummary::record_eval(double t, const std::map<std::string, double>& metrics) {
    for (const auto& [name, value] : metrics) {
        const bool higher_is_better = metric_higher_is_better(name);
        auto [it, inserted] = metrics_.try_emplace(name, MetricRecord{value, value, t});
        MetricRecord& record = it->second;
        record.last = value;
        const bool better = higher_is_better ? value > record.best : value < record.best;
        if (!inserted && better) {
            record.best = value;
            record.best_t = t;
        }
        if (target_ && !time_to_target_ && name == target_->metric) {
            const bool reached = higher_is_better ? value >= target_->value : value <= target_->value;
            if (reached) time_to_target_ = t;
        }
    }
}

void RunSummary::set_progress(double run_clock_s, double wall_s, std::int64_t samples_seen, double epochs) {
    run_clock_s_ = run_clock_s;
    wall_s_ = wall_s;
    samples_seen_ = samples_seen;
    epochs_ = epochs;
}

void RunSummary::set_status(RunStatus status, std::string error) {
    status_ = status;
    error_ = std::move(error);
}

void RunSummary::record_peak_memory(const std::string& device_name, const MemoryPeaks& peaks) {
    if (peaks.total == 0) return;
    MemoryPeaks& recorded = peak_memory_[device_name];
    for (std::size_t category = 0; category < memory_category_count; ++category) {
        recorded.by_category[category] = std::max(recorded.by_category[category], peaks.by_category[category]);
    }
    recorded.total = std::max(recorded.total, peaks.total);
}

nlohmann::json RunSummary::to_json() const {
    // JSON has no NaN: a metric that went non-finite is written as null.
    const auto number = [](double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); };
    nlohmann::json last = nlohmann::json::object();
    nlohmann::json best = nlohmann::json::object();
    nlohmann::json best_time = nlohmann::json::object();
    for (const auto& [name, record] : metrics_) {
        last[name] = number(record.last);
        best[name] = number(record.best);
        best_time[name] = record.best_t;
    }
    nlohmann::json summary = {{"status", to_string(status_)},
                              {"metrics", last},
                              {"best", best},
                              {"best_time_s", best_time},
                              {"time_to_target_s", time_to_target_ ? nlohmann::json(*time_to_target_) : nlohmann::json()},
                              {"run_clock_s", run_clock_s_},
                              {"wall_s", wall_s_},
                              {"samples_seen", samples_seen_},
                              {"epochs", epochs_}};
    summary["target"] = target_ ? nlohmann::json{{"metric", target_->metric}, {"value", target_->value}} : nlohmann::json();
    if (!error_.empty()) summary["error"] = error_;
    if (!peak_memory_.empty()) {
        nlohmann::json peak_memory = nlohmann::json::object();
        for (const auto& [device_name, peaks] : peak_memory_) {
            nlohmann::json device = nlohmann::json::object();
            for (MemoryCategory category : all_memory_categories) {
                device[to_string(category)] = peaks.by_category[static_cast<std::size_t>(category)];
            }
            device["total"] = peaks.total;
            peak_memory[device_name] = std::move(device);
        }
        summary["peak_memory_bytes"] = std::move(peak_memory);
    }
    return summary;
}

}  // namespace tb
