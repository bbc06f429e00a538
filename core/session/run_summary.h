#pragma once
// The summary of a run as it progresses: per metric the last value, the best value and when it was
// reached, the run-clock time at which the target was first reached, and each device's peak memory by
// category as its backend counted it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/backend/memory_category.h"
#include "core/session/events.h"
#include "core/session/run_config.h"

namespace tb {

struct MetricRecord {
    double last = 0;
    double best = 0;
    double best_t = 0;
};

class RunSummary {
public:
    explicit RunSummary(std::optional<TargetConfig> target = std::nullopt) : target_(std::move(target)) {}

    void record_eval(double t, const std::map<std::string, double>& metrics);
    void set_progress(double run_clock_s, double wall_s, std::int64_t samples_seen, double epochs);
    void set_status(RunStatus status, std::string error = {});
    // The peaks of a device's backend (Backend::peak_memory). Recording a device again keeps the larger
    // of each figure, so a method may record as often as it likes and a device whose backend was made
    // twice keeps its highest. A backend that counts nothing (all zeros) leaves no entry.
    void record_peak_memory(const std::string& device_name, const MemoryPeaks& peaks);

    bool target_reached() const { return time_to_target_.has_value(); }
    std::optional<double> time_to_target() const { return time_to_target_; }
    const std::map<std::string, MetricRecord>& metrics() const { return metrics_; }
    RunStatus status() const { return status_; }
    const std::string& error() const { return error_; }
    double run_clock_s() const { return run_clock_s_; }
    double wall_s() const { return wall_s_; }
    std::int64_t samples_seen() const { return samples_seen_; }
    double epochs() const { return epochs_; }
    const std::map<std::string, MemoryPeaks>& peak_memory() const { return peak_memory_; }

    // {status, metrics, best, best_time_s, time_to_target_s, target, run_clock_s, wall_s, samples_seen,
    //  epochs, error, peak_memory_bytes}; peak_memory_bytes only when a device recorded peaks, as
    //  {"<device>": {"adjacency": bytes, ..., "workspace": bytes, "total": bytes}}, the categories under
    //  their to_string names and "total" the peak of all of them together.
    nlohmann::json to_json() const;

private:
    std::optional<TargetConfig> target_;
    std::map<std::string, MetricRecord> metrics_;
    std::optional<double> time_to_target_;
    double run_clock_s_ = 0;
    double wall_s_ = 0;
    std::int64_t samples_seen_ = 0;
    double epochs_ = 0;
    RunStatus status_ = RunStatus::running;
    std::string error_;
    std::map<std::string, MemoryPeaks> peak_memory_;
};

}  // namespace tb
