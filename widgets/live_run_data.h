#pragma once
// Everything the dashboard shows about one run, accumulated from its events: per-device samples, merge
// weights, evaluations, traces, matrix snapshots, the fleet and the outcome. Plain data, no widgets, so the same store serves a
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

// One point of a trace. `x` is the position on the panel's own axis; panels on the run clock take their
// x from `time` instead, on whichever axis the dashboard shows.
struct TraceSample {
    PointTime time;
    double x = 0;
    double value = 0;
};

struct TraceSeriesData {
    std::string name;
    std::vector<TraceSample> samples;
};

// All series of one trace panel, in order of first appearance. The first trace to arrive decides the
// panel's axis: '' (the run clock) or the name of its own axis.
struct TracePanelData {
    std::string name;
    std::string x_axis;
    std::vector<TraceSeriesData> series;
};

struct TimedMatrixSnapshot {
    PointTime time;
    MatrixSnapshot matrix;
};

// Every snapshot of one matrix name, in the order they arrived.
struct MatrixHistory {
    std::string name;
    std::vector<TimedMatrixSnapshot> snapshots;
};

// Where the last trace landed, so that a live view appends just that point.
struct TraceLocation {
    std::size_t panel = 0;
    std::size_t series = 0;
};

struct DeviceState {
    std::string name;
    std::string backend;
    double speed = 1.0;
    std::optional<DevicePoint> last;
    std::string host = {};  // a distributed run's host for the device; empty in one process
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
    // The run's config as its RunStarted carried it (null before the start).
    const nlohmann::json& config() const { return config_; }
    const std::vector<DeviceState>& devices() const { return devices_; }
    const std::vector<std::vector<DevicePoint>>& device_points() const { return device_points_; }
    const std::vector<MergePoint>& merges() const { return merges_; }
    const std::vector<EvalPoint>& evaluations() const { return evaluations_; }
    // Metric names in order of first appearance.
    const std::vector<std::string>& metric_names() const { return metric_names_; }
    std::optional<double> training_set_size() const { return training_set_size_; }
    // Trace panels and matrices in order of first appearance.
    const std::vector<TracePanelData>& trace_panels() const { return trace_panels_; }
    const std::vector<MatrixHistory>& matrices() const { return matrices_; }
    // Valid after add() took a Trace.
    TraceLocation last_trace() const { return last_trace_; }
    // Valid after add() took a MatrixSnapshot: the index of its matrix in matrices().
    std::size_t last_matrix() const { return last_matrix_; }

    bool started() const { return started_; }
    std::optional<RunStatus> finished_status() const { return finished_status_; }
    const std::string& error() const { return error_; }
    const std::vector<std::pair<LogLevel, std::string>>& log() const { return log_; }
    double last_t() const { return last_t_; }
    double last_wall_s() const { return last_wall_s_; }
    // How far the run is towards the first of its stop limits (stop.max_epochs, stop.max_time_s on the
    // run clock, stop.max_wall_s), or, for a method that counts its work done, towards the end of that
    // work; from 0 to 1, nothing before the run started.
    std::optional<double> progress_fraction() const;
    // Whether the run's method counts its progress as a fraction of its work done (a kernel machine, a
    // multi-task method) rather than in epochs: its evaluations' `epoch` is then that fraction.
    bool counts_fraction_done() const { return counts_fraction_done_; }
    // Wall seconds left at the pace so far, once the run is far enough along for the pace to mean something.
    std::optional<double> wall_seconds_left() const;

private:
    void ensure_device(int device);

    std::string run_name_;
    nlohmann::json config_;
    double max_epochs_ = 0;
    double max_time_s_ = 0;
    double max_wall_s_ = 0;
    double last_wall_s_ = 0;
    std::vector<DeviceState> devices_;
    std::vector<std::vector<DevicePoint>> device_points_;
    std::vector<double> device_last_t_;
    std::vector<MergePoint> merges_;
    std::vector<EvalPoint> evaluations_;
    std::vector<std::string> metric_names_;
    std::vector<TracePanelData> trace_panels_;
    std::vector<MatrixHistory> matrices_;
    TraceLocation last_trace_;
    std::size_t last_matrix_ = 0;
    std::optional<double> training_set_size_;
    double counted_samples_ = 0;
    double last_t_ = 0;
    bool started_ = false;
    bool counts_fraction_done_ = false;
    std::optional<RunStatus> finished_status_;
    std::string error_;
    std::vector<std::pair<LogLevel, std::string>> log_;
};

}  // namespace tb::widgets
