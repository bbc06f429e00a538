#pragma once
// The SGD toolkit: what a method that trains replicas by SGD builds on, on top of the run context
// (core/session/run_context.h) every method runs in. It makes models, initial parameters and optimizers
// from the config, schedules the learning rate, books finished steps as epochs (with divergence
// detection) and evaluates a replica on the test set. The clock, stop, evaluation and event calls are
// the run context's, offered here too so that a training loop reads as one conversation with its session.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/metrics/evaluator.h"
#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/session/run_context.h"

namespace tb {

class TrainingSession {
public:
    TrainingSession(RunContext& context, const DataSplit& data);

    RunContext& context() { return context_; }
    const RunConfig& config() const { return context_.config(); }
    const DataSplit& data() const { return data_; }

    // ---- building blocks -------------------------------------------------------------------------
    std::unique_ptr<Backend> create_backend(const DeviceSpec& device, int cpu_threads = 0) const {
        return context_.create_backend(device, cpu_threads);
    }
    std::unique_ptr<Model> create_model() const;
    // The same initial parameters for every replica of the run (seeded by the run's seed).
    std::vector<float> initial_parameters(const Model& model) const;
    std::unique_ptr<Optimizer> create_optimizer(Backend& backend, const ArenaLayout& layout) const;
    // The optimizer's scheduled learning rate at the current epoch.
    double learning_rate() const;
    // The same for a step on batch_size samples: with optimizer.lr_reference_batch set, the rate scales
    // linearly with the batch (the other overload then throws, since it cannot).
    double learning_rate(std::int64_t batch_size) const;
    // The scheduled rate of optimizer.lr_reference_batch (or of whatever batch the method states lr for
    // when none is set), for methods that scale it to each worker's batch themselves.
    double base_learning_rate() const;
    // Says in the run log what optimizer.lr means for this method's steps and the rate a step of
    // `batch_size` rows trains at before warm-up and the schedule, e.g. "learning rate: optimizer.lr 4 is
    // the rate of a batch of 256 (optimizer.lr_reference_batch); each worker's batch of 128 rows trains at
    // lr * 128 / 256 = 2". `whose_batch` names the batch ("the global batch", "each worker's batch").
    // `detail`, when given, follows the batch ("(split over the 4 devices)").
    void log_learning_rate(std::int64_t batch_size, const std::string& whose_batch, const std::string& detail = {});

    // ---- progress ---------------------------------------------------------------------------------
    // Adds a finished training step. Throws RunDiverged when the loss is not finite.
    void add_training_progress(std::int64_t samples, double loss_sum);
    std::int64_t samples_seen() const { return samples_seen_; }
    double epochs() const;
    // Whether another batch may start with `rows_in_flight` rows already handed out: false once they would
    // complete stop.max_epochs. A fleet of many devices would otherwise hand out several epochs in one
    // round of batches and overshoot the limit by as much.
    bool epoch_budget_left(std::int64_t rows_in_flight) const;

    // ---- evaluation -------------------------------------------------------------------------------
    // Metrics a method adds to an evaluation beyond the test-set metrics of the evaluated model (each
    // worker's accuracy, consensus distance); computed while the run clock is paused.
    using ExtraMetrics = std::function<std::map<std::string, double>()>;
    // Evaluates the replica on the test set with the clock paused, with the mean training loss since the
    // last evaluation; emits Eval and updates the summary.
    void evaluate(Backend& backend, Model& model, const ParameterArena& parameters, const ExtraMetrics& extra = {});
    // Evaluates once more unless the last evaluation was at the current step (the run's final point).
    void evaluate_final(Backend& backend, Model& model, const ParameterArena& parameters,
                        const ExtraMetrics& extra = {});

    // ---- the run context's, for the training loop ---------------------------------------------------
    double run_clock() const { return context_.run_clock(); }
    SimulatedRunClock* simulated_clock() { return context_.simulated_clock(); }
    double wall_seconds() const { return context_.wall_seconds(); }
    bool should_stop() { return context_.should_stop(); }
    StopReason stop_reason() const { return context_.stop_reason(); }
    bool evaluation_due() const { return context_.evaluation_due(); }
    void publish(EventPayload payload) { context_.publish(std::move(payload)); }
    void log(LogLevel level, std::string text) { context_.log(level, std::move(text)); }
    RunSummary& summary() { return context_.summary(); }

private:
    RunContext& context_;
    const DataSplit& data_;
    std::unique_ptr<Evaluator> evaluator_;
    std::int64_t samples_seen_ = 0;
    double training_loss_sum_ = 0;
    std::int64_t training_loss_samples_ = 0;
};

}  // namespace tb
