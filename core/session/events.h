#pragma once
// Events: the one contract between the engine and everything that watches it (the run store, the
// workbench, the CLI's progress line). Every event carries the run clock `t` (simulated or wall
// seconds, paused during evaluation) and `wall_s`, the wall-clock seconds since the run started.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb {

enum class RunStatus { running, finished, stopped, failed, diverged };
const char* to_string(RunStatus status);

struct DeviceDescription {
    std::string name;     // "A", "dev0"
    std::string backend;  // "cpu" or "cuda"
    int gpu_index = -1;
    int sm_count = 0;     // 0: the whole device
    double speed = 1.0;
    std::string host = {};  // the host that trains it in a distributed run; empty in one process
};

struct RunStarted {
    std::string run_name;
    nlohmann::json config;  // the full config, defaults filled in
    std::vector<DeviceDescription> devices;
    double start_unix_s = 0;  // wall-clock time the run started, seconds since 1970
    std::string host;         // machine name
};

struct DeviceSample {
    int device = 0;
    std::int64_t batch_size = 0;
    double samples_per_s = 0;  // over the sampling interval
    std::int64_t updates = 0;  // cumulative
    double busy = 0;           // busy fraction over the interval, 0..1
    std::int64_t memory_bytes = 0;
};

struct Merge {
    std::int64_t index = 0;
    std::vector<double> weights;  // one per device, summing to 1 (Adaptive SGD's authors_l2_trend rule: a little more)
    // Per device, the updates it made in the merge period (empty for methods whose weights do not come
    // from update counts).
    std::vector<std::int64_t> updates;
};

struct Eval {
    double epoch = 0;  // fractional epochs of training data consumed
    std::int64_t samples_seen = 0;
    std::map<std::string, double> metrics;  // "p@1", "accuracy", "loss", ...
};

enum class LogLevel { info, warning, error };

struct Log {
    LogLevel level = LogLevel::info;
    std::string text;
};

// One point of a named series in a named panel: the generic telemetry a method, optimizer or backend
// reports without an event type of its own (trust ratios, a controller's decisions, memory by
// category). The workbench makes a panel the first time a panel name arrives, a series per series name.
struct Trace {
    std::string panel;   // "trust ratio"; panels with one name share one plot
    std::string series;  // "hidden.weight"
    // The axis x lies on. Empty: the run clock, and x is the event's t (the dashboard then plots the
    // series against whichever of run clock, wall time, epochs or samples it shows). Otherwise the
    // axis's name ("optimizer step") and x a position on it.
    std::string x_axis;
    double x = 0;
    double value = 0;
};

// A matrix at one moment of the run (a topology's mixing matrix, merge weights per period, a Gram
// matrix), shown as a heat map with a slider over the snapshots of the same name.
struct MatrixLabels {
    std::vector<std::string> rows;     // empty, or one per row
    std::vector<std::string> columns;  // empty, or one per column
};

struct MatrixSnapshot {
    std::string name;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<double> values;  // row-major, rows * cols
    MatrixLabels labels;
};

// Throws std::invalid_argument, naming the snapshot, when values or labels do not fit rows x cols.
void check_matrix_snapshot(const MatrixSnapshot& snapshot);

struct RunFinished {
    RunStatus status = RunStatus::finished;
    nlohmann::json summary;  // see RunSummary::to_json
    std::string error;       // empty unless failed or diverged
};

using EventPayload = std::variant<RunStarted, DeviceSample, Merge, Eval, Log, RunFinished, Trace, MatrixSnapshot>;

struct Event {
    double t = 0;
    double wall_s = 0;
    EventPayload payload;
};

// Receives events. on_event is called on the engine's thread, in order; sinks that hand work to another
// thread (storage, GUI) copy what they need.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void on_event(const Event& event) = 0;
};

// Keeps nothing: for callers that need only a run's summary (a study's cells run without a store).
class DiscardingSink final : public EventSink {
public:
    void on_event(const Event&) override {}
};

}  // namespace tb
