#pragma once
// The run context: what every method runs in, whether it trains by SGD, solves a linear system or fills
// a Gram matrix in blocks. It owns the run clock (paused while evaluating and while the user pauses, so
// time to target counts work only), the stop criteria, the evaluation schedule, the run's progress, the
// event stream and the summary, and it makes the backends of the fleet's devices.
//
// Progress is counted in the unit the method works in: epochs of training data for SGD (the SGD toolkit,
// core/session/training_session.h, reports them), or the fraction done for a method with a known amount
// of work (a solver's iterations, the blocks of a kernel matrix), which stops the run when it reaches 1.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/nn/parameter_arena.h"
#include "core/session/events.h"
#include "core/session/run_clock.h"
#include "core/session/run_config.h"
#include "core/session/run_summary.h"

namespace tb {

class DeviceCollective;
class ProcessGroup;

// The training loss (or a solver's residual) became NaN or infinite.
class RunDiverged : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Receives the model a run ends with (its arena layout and values, padding included), for programs that
// save it; the SGD toolkit calls it once, at the final evaluation.
using FinalModelObserver = std::function<void(const ArenaLayout& layout, const std::vector<float>& values)>;

// Makes the device collective that joins the ranks of a distributed run in device memory (NCCL across
// GPUs, whose unique id travels through the process group), given this rank's combine leader. Every rank
// calls it at the same point: making it is collective.
using RankCollectiveFactory = std::function<std::unique_ptr<DeviceCollective>(ProcessGroup& group, Backend& leader)>;

// Makes the backend for a device spec whose backend is not "cpu" (the CUDA backend lives in gpu/, which
// core/ does not know; the programs pass a factory in).
using BackendFactory = std::function<std::unique_ptr<Backend>(const DeviceSpec&)>;

enum class StopReason { none, max_time, max_wall_time, max_epochs, work_done, target_reached, cancelled };
const char* to_string(StopReason reason);

enum class ProgressUnit {
    epochs,         // passes over the training data; stop.max_epochs bounds them
    fraction_done,  // 0 to 1 of a known amount of work; the run ends at 1
};

// The user's hands on a running run; either may be null.
struct RunControls {
    const std::atomic<bool>* cancel = nullptr;  // set: the run stops (status stopped)
    const std::atomic<bool>* pause = nullptr;   // while set: work waits and the run clock stands still
};

class RunContext {
public:
    RunContext(const RunConfig& config, EventSink& sink, RunControls controls, BackendFactory gpu_backend_factory,
               ProgressUnit progress_unit = ProgressUnit::epochs);

    const RunConfig& config() const { return config_; }

    // ---- distributed runs ---------------------------------------------------------------------------
    // Every rank of a distributed run has its own context over the same config. Joined to the group, the
    // decisions that depend on time (should_stop, evaluation_due) are the leader's, so the ranks' loops
    // stay in step; only the leader's events matter (the others' sinks discard them).
    void join(ProcessGroup& group) { process_group_ = &group; }
    // Null when the run is one process.
    ProcessGroup* process_group() const { return process_group_; }

    void observe_final_model(FinalModelObserver observer) { final_model_observer_ = std::move(observer); }
    // Distributed runs on GPUs: how to join the ranks' devices without staging through host memory
    // (empty: the ranks combine through host memory and the process group).
    void set_rank_collective_factory(RankCollectiveFactory factory) { rank_collective_factory_ = std::move(factory); }
    const RankCollectiveFactory& rank_collective_factory() const { return rank_collective_factory_; }
    const FinalModelObserver& final_model_observer() const { return final_model_observer_; }

    // cpu_threads: the CPU backend's thread team (0: every core); CPU workers working side by side each
    // get a share.
    std::unique_ptr<Backend> create_backend(const DeviceSpec& device, int cpu_threads = 0) const;

    // ---- clock --------------------------------------------------------------------------------------
    // Seconds of work so far on the run clock (config.fleet.clock): wall seconds minus evaluations and
    // pauses, or the simulator's time.
    double run_clock() const { return clock_->now(); }
    RunClock& clock() { return *clock_; }
    // The simulated clock, or null when the run is on the wall clock.
    SimulatedRunClock* simulated_clock();
    double wall_seconds() const;

    // ---- progress and stopping ----------------------------------------------------------------------
    ProgressUnit progress_unit() const { return progress_unit_; }
    // Epochs or the fraction done, whichever the unit is; samples_seen is what evaluations report as
    // the data consumed (0 for methods that do not stream samples).
    void set_progress(double progress, std::int64_t samples_seen = 0);
    double progress() const { return progress_; }
    std::int64_t samples_seen() const { return samples_seen_; }
    // Checks the time limit, the progress limit, the target and cancellation; remembers why it stopped.
    // While the run is paused it waits here, with the run clock stopped.
    bool should_stop();
    StopReason stop_reason() const { return stop_reason_; }

    // ---- evaluation ---------------------------------------------------------------------------------
    using Measurement = std::function<std::map<std::string, double>()>;
    // On every rank of a distributed run; the leader's answer is everyone's.
    bool evaluation_due() const;
    // True when nothing was done since the last evaluation (the final one would repeat it).
    bool evaluation_is_current() const;
    // Runs `measure` with the run clock paused, then emits Eval at the clock's value before the pause
    // and records the metrics in the summary (best values, time to target).
    void evaluate(const Measurement& measure);

    // ---- events -------------------------------------------------------------------------------------
    void publish(EventPayload payload);
    void log(LogLevel level, std::string text);
    RunSummary& summary() { return summary_; }

private:
    using Clock = std::chrono::steady_clock;

    void wait_while_paused();
    // This process's own view; the leader's is everyone's in a distributed run.
    void decide_whether_to_stop();
    bool evaluation_due_here() const;

    const RunConfig& config_;
    EventSink& sink_;
    RunControls controls_;
    BackendFactory gpu_backend_factory_;
    ProgressUnit progress_unit_;
    RunSummary summary_;

    Clock::time_point wall_start_;
    std::unique_ptr<RunClock> clock_;
    double progress_ = 0;
    std::int64_t samples_seen_ = 0;
    std::optional<double> last_eval_clock_;
    double progress_at_last_eval_ = 0;
    std::int64_t samples_at_last_eval_ = 0;
    StopReason stop_reason_ = StopReason::none;
    ProcessGroup* process_group_ = nullptr;
    FinalModelObserver final_model_observer_;
    RankCollectiveFactory rank_collective_factory_;
};

}  // namespace tb
