#include "core/session/run_summary.h"

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
    return summary;
}

}  // namespace tb
