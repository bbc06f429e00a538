#pragma once
// What a method trains with: the config and data, backends and replicas built the same way for every
// method, the run clock (paused while evaluating, so time to target counts training only), the
// evaluation schedule, the stop criteria, divergence detection, and the event stream.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/backend/backend.h"
#include "core/data/dataset.h"
#include "core/metrics/evaluator.h"
#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/session/events.h"
#include "core/session/run_clock.h"
#include "core/session/run_config.h"
#include "core/session/run_summary.h"

namespace tb {

// The training loss became NaN or infinite.
class RunDiverged : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Makes the backend for a device spec whose backend is not "cpu" (the CUDA backend lives in gpu/, which
// core/ does not know; the programs pass a factory in).
using BackendFactory = std::function<std::unique_ptr<Backend>(const DeviceSpec&)>;

enum class StopReason { none, max_time, max_epochs, target_reached, cancelled };
const char* to_string(StopReason reason);

class TrainingSession {
public:
    // cancel: set to stop the run (status stopped); pause: while set, training waits and the run clock
    // stands still. Either may be null.
    TrainingSession(const RunConfig& config, const DataSplit& data, EventSink& sink,
                    const std::atomic<bool>* cancel, BackendFactory gpu_backend_factory,
                    const std::atomic<bool>* pause = nullptr);

    const RunConfig& config() const { return config_; }
    const DataSplit& data() const { return data_; }

    // ---- building blocks -------------------------------------------------------------------------
    // cpu_threads: the CPU backend's thread team (0: every core); CPU workers training side by side
    // each get a share.
    std::unique_ptr<Backend> create_backend(const DeviceSpec& device, int cpu_threads = 0) const;
    std::unique_ptr<Model> create_model() const;
    // The same initial parameters for every replica of the run (seeded by the run's seed).
    std::vector<float> initial_parameters(const Model& model) const;
    std::unique_ptr<Optimizer> create_optimizer(Backend& backend, const ArenaLayout& layout) const;
    // The optimizer's scheduled learning rate at the current epoch.
    double learning_rate() const;
    // The same for a step on batch_size samples: with optimizer.lr_reference_batch set, the rate scales
    // linearly with the batch (the other overload then throws, since it cannot).
    double learning_rate(std::int64_t batch_size) const;

    // ---- clock and progress -----------------------------------------------------------------------
    // Seconds of training so far on the run clock (config.fleet.clock): wall seconds minus evaluations
    // and pauses, or the simulator's time.
    double run_clock() const { return clock_->now(); }
    RunClock& clock() { return *clock_; }
    // The simulated clock, or null when the run is on the wall clock.
    SimulatedRunClock* simulated_clock();
    double wall_seconds() const;
    // Adds a finished training step. Throws RunDiverged when the loss is not finite.
    void add_training_progress(std::int64_t samples, double loss_sum);
    std::int64_t samples_seen() const { return samples_seen_; }
    double epochs() const;
    // Checks time, epochs, the target and cancellation; remembers why it stopped. While the run is
    // paused it waits here, with the run clock stopped.
    bool should_stop();
    StopReason stop_reason() const { return stop_reason_; }

    // ---- evaluation -------------------------------------------------------------------------------
    // Metrics a method adds to an evaluation beyond the test-set metrics of the evaluated model (each
    // worker's accuracy, consensus distance); computed while the run clock is paused.
    using ExtraMetrics = std::function<std::map<std::string, double>()>;
    bool evaluation_due() const;
    // Evaluates the replica on the test set with the clock paused, emits Eval and updates the summary.
    void evaluate(Backend& backend, Model& model, const ParameterArena& parameters, const ExtraMetrics& extra = {});
    // Evaluates once more unless the last evaluation was at the current clock (the run's final point).
    void evaluate_final(Backend& backend, Model& model, const ParameterArena& parameters,
                        const ExtraMetrics& extra = {});

    // ---- events -----------------------------------------------------------------------------------
    void publish(EventPayload payload);
    void log(LogLevel level, std::string text);
    RunSummary& summary() { return summary_; }

private:
    using Clock = std::chrono::steady_clock;

    const RunConfig& config_;
    const DataSplit& data_;
    EventSink& sink_;
    const std::atomic<bool>* cancel_;
    const std::atomic<bool>* pause_;
    BackendFactory gpu_backend_factory_;
    RunSummary summary_;
    std::unique_ptr<Evaluator> evaluator_;

    Clock::time_point wall_start_;
    std::unique_ptr<RunClock> clock_;
    std::int64_t samples_seen_ = 0;
    double training_loss_sum_ = 0;
    std::int64_t training_loss_samples_ = 0;
    std::optional<double> last_eval_clock_;
    double last_eval_epochs_ = 0;
    std::int64_t samples_at_last_eval_ = 0;
    StopReason stop_reason_ = StopReason::none;

    void wait_while_paused();
};

}  // namespace tb
