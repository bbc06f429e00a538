#pragma once
// Loading a run's series for plots: metric series (one per metric, each point carrying every x the
// workbench plots against: run clock, wall time, epochs, samples), device series (one per device and
// quantity), and merge weights. Series can be downsampled to a number of points, keeping each bucket's
// minimum and maximum so that spikes survive (min_max_downsampling.h).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::storage {

class RunStore;

struct MetricPoint {
    std::int64_t step = 0;  // evaluation number
    double t = 0;           // run clock
    double wall_s = 0;
    double epoch = 0;
    std::int64_t samples = 0;
    double value = 0;       // NaN when the engine reported one (a diverged loss)
};

struct MetricSeries {
    std::string key;
    std::vector<MetricPoint> points;
    std::size_t stored_points = 0;  // before downsampling
};

enum class DeviceQuantity { samples_per_s, batch_size, updates, busy, memory_bytes };
std::string_view to_string(DeviceQuantity quantity);

struct DevicePoint {
    double t = 0;
    double wall_s = 0;
    double value = 0;
};

struct DeviceSeries {
    int device = 0;  // index in the fleet
    std::string device_name;
    DeviceQuantity quantity = DeviceQuantity::samples_per_s;
    std::vector<DevicePoint> points;
    std::size_t stored_points = 0;
};

struct MergeRecord {
    std::int64_t index = 0;
    double t = 0;
    double wall_s = 0;
    std::vector<double> weights;  // one per device
    std::vector<std::int64_t> updates;  // per device, updates made in the merge period; empty if not reported
};

// The names of the run's metrics, sorted.
std::vector<std::string> metric_keys(RunStore& store, std::int64_t run_id);

// One series per metric (only `keys` when given), sorted by key. max_points_per_series 0: every point.
std::vector<MetricSeries> load_metric_series(RunStore& store, std::int64_t run_id, std::size_t max_points_per_series,
                                             const std::vector<std::string>& keys = {});

// One series per device and quantity, by device then quantity. max_points_per_series 0: every point.
std::vector<DeviceSeries> load_device_series(RunStore& store, std::int64_t run_id, std::size_t max_points_per_series);

std::vector<MergeRecord> load_merges(RunStore& store, std::int64_t run_id);

}  // namespace tb::storage
