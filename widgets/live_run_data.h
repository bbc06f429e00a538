#pragma once
// Everything the dashboard shows about one run, accumulated from its events: per-device samples, merge
// weights, evaluations, the fleet and the outcome. Plain data, no widgets, so the same store serves a
// live run (events from the engine) and a replay (events rebuilt from the run store).
//
// Every point keeps the four x values the plots can switch between. Run clock and wall time come with
// each event. Samples seen come exactly with evaluations; for device samples and merges they are counted
// from the device samples themselves (each DeviceSample reports samples/s over the interval since that
// device's previous sample, so rate x interval is the samples it trained). Epochs are samples over the
// training set size, which the first evaluation after the start reveals (samples_seen / epoch).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/session/events.h"
#include "widgets/x_axis_mode.h"

namespace tb::widgets {

struct PointTime {
    double t = 0;       // run clock
    double wall_s = 0;
    double samples = 0;  // training samples seen so far (counted, see above)
};

struct DevicePoint {
    PointTime time;
    double batch_size = 0;
    double samples_per_s = 0;
    double updates = 0;
    double busy = 0;
};

struct MergePoint {
    PointTime time;
    std::int64_t index = 0;
    std::vector<double> weights;
};

struct EvalPoint {
    PointTime time;
    double epoch = 0;
    std::map<std::string, double> metrics;
};

// One layer-wise optimizer step's ratio for one segment (LARS, LAMB: OptimizerStats events).
struct TrustRatioPoint {
    PointTime time;
    int worker = 0;
    std::size_t segment = 0;  // index into LiveRunData::trust_ratio_segments()
    double trust_ratio = 1.0;
};

struct DeviceState {
    std::string name;
    std::string backend;
    double speed = 1.0;
    std::optional<DevicePoint> last;
};

class LiveRunData {
public:
    void clear();
    // Appends one event. Answers true when the x values of points already stored changed meaning (the
    // training set size just became known, so epoch positions can now be computed).
    bool add(const Event& event);

    // The x of a point on an axis; nothing when it cannot be known yet (epochs before the set size is).
    std::optional<double> x_of(const PointTime& time, XAxisMode mode) const;

    const std::string& run_name() const { return run_name_; }
    const std::vector<DeviceState>& devices() const { return devices_; }
    const std::vector<std::vector<DevicePoint>>& device_points() const { return device_points_; }
    const std::vector<MergePoint>& merges() const { return merges_; }
    const std::vector<EvalPoint>& evaluations() const { return evaluations_; }
    // Metric names in order of first appearance.
    const std::vector<std::string>& metric_names() const { return metric_names_; }
    std::optional<double> training_set_size() const { return training_set_size_; }
    const std::vector<TrustRatioPoint>& trust_ratios() const { return trust_ratios_; }
    // Parameter segment names ("hidden.weight") in order of first appearance in OptimizerStats.
    const std::vector<std::string>& trust_ratio_segments() const { return trust_ratio_segments_; }

    bool started() const { return started_; }
    std::optional<RunStatus> finished_status() const { return finished_status_; }
    const std::string& error() const { return error_; }
    const std::vector<std::pair<LogLevel, std::string>>& log() const { return log_; }
    double last_t() const { return last_t_; }

private:
    void ensure_device(int device);

    std::string run_name_;
    std::vector<DeviceState> devices_;
    std::vector<std::vector<DevicePoint>> device_points_;
    std::vector<double> device_last_t_;
    std::vector<MergePoint> merges_;
    std::vector<EvalPoint> evaluations_;
    std::vector<std::string> metric_names_;
    std::vector<TrustRatioPoint> trust_ratios_;
    std::vector<std::string> trust_ratio_segments_;
    std::optional<double> training_set_size_;
    double counted_samples_ = 0;
    double last_t_ = 0;
    bool started_ = false;
    std::optional<RunStatus> finished_status_;
    std::string error_;
    std::vector<std::pair<LogLevel, std::string>> log_;
};

}  // namespace tb::widgets
