#pragma once
// Everything about one stored run except its series: the record, full config, devices, the metric
// summaries, the engine's final summary, how many rows of each kind it holds, and its log lines.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/session/events.h"
#include "storage/metric_summary.h"
#include "storage/run_listing.h"

namespace tb::storage {

class RunStore;

struct RunDetails {
    RunRecord record;
    nlohmann::json config;
    nlohmann::json final_summary;  // RunFinished.summary; an empty object until the run finishes
    std::vector<DeviceDescription> devices;  // in fleet order (DeviceSample.device indexes it)
    std::vector<MetricSummary> metric_summaries;  // by metric name
    std::int64_t evaluations = 0;
    std::int64_t metric_points = 0;
    std::int64_t device_samples = 0;
    std::int64_t merges = 0;
    std::int64_t log_lines = 0;
};

// Throws StorageError when there is no such run.
RunDetails load_run(RunStore& store, std::int64_t run_id);

// Only the run's config, for callers that need nothing else (comparisons, export).
nlohmann::json load_run_config(RunStore& store, std::int64_t run_id);

struct StoredLogLine {
    double t = 0;
    double wall_s = 0;
    std::string level;  // info, warning, error
    std::string text;
};

std::vector<StoredLogLine> load_log_lines(RunStore& store, std::int64_t run_id);

}  // namespace tb::storage
