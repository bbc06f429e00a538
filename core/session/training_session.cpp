#include "core/session/training_session.h"

#include <cmath>
#include <thread>

#include "core/backend/cpu_backend.h"
#include "core/backend/device_memory_limit.h"
#include "core/errors.h"
#include "core/optim/optimizer_config.h"

namespace tb {

const char* to_string(StopReason reason) {
    switch (reason) {
        case StopReason::none: return "none";
        case StopReason::max_time: return "max_time";
        case StopReason::max_epochs: return "max_epochs";
        case StopReason::target_reached: return "target_reached";
        case StopReason::cancelled: return "cancelled";
    }
    return "unknown";
}

TrainingSession::TrainingSession(const RunConfig& config, const DataSplit& data, EventSink& sink,
                                 const std::atomic<bool>* cancel, BackendFactory gpu_backend_factory,
                                 const std::atomic<bool>* pause)
    : config_(config),
      data_(data),
      sink_(sink),
      cancel_(cancel),
      pause_(pause),
      gpu_backend_factory_(std::move(gpu_backend_factory)),
      summary_(config.stop.target),
      evaluator_(std::make_unique<Evaluator>(data.test, config.eval.metrics, config.eval.batch_size,
                                             config.eval.max_samples)),
      wall_start_(Clock::now()) {
    if (config.fleet.clock == "simulated") {
        clock_ = std::make_unique<SimulatedRunClock>();
    } else {
        clock_ = std::make_unique<WallRunClock>();
    }
}

SimulatedRunClock* TrainingSession::simulated_clock() { return dynamic_cast<SimulatedRunClock*>(clock_.get()); }

std::unique_ptr<Backend> TrainingSession::create_backend(const DeviceSpec& device, int cpu_threads) const {
    if (device.backend == "cpu") {
        return std::make_unique<CpuBackend>(cpu_threads, memory_limit_bytes_of(device.memory_limit_gb));
    }
    if (!gpu_backend_factory_) {
        throw DeviceError("device '" + device.name + "' asks for the " + device.backend +
                          " backend, but this build of Trainbench has none (build with TB_CUDA=ON where nvcc is "
                          "installed, or set the device's backend to cpu)");
    }
    return gpu_backend_factory_(device);
}

std::unique_ptr<Model> TrainingSession::create_model() const {
    return tb::create_model(config_.model, data_.train, config_.seed);
}

std::vector<float> TrainingSession::initial_parameters(const Model& model) const {
    return model.initial_parameters(config_.seed);
}

std::unique_ptr<Optimizer> TrainingSession::create_optimizer(Backend& backend, const ArenaLayout& layout) const {
    return tb::create_optimizer(config_.optimizer, backend, layout);
}

double TrainingSession::learning_rate() const { return scheduled_learning_rate(config_.optimizer, epochs()); }

double TrainingSession::learning_rate(std::int64_t batch_size) const {
    return scheduled_learning_rate(config_.optimizer, epochs(), batch_size);
}

double TrainingSession::wall_seconds() const {
    return std::chrono::duration<double>(Clock::now() - wall_start_).count();
}

double TrainingSession::epochs() const {
    return static_cast<double>(samples_seen_) / static_cast<double>(std::max<std::int64_t>(data_.train.num_samples(), 1));
}

void TrainingSession::add_training_progress(std::int64_t samples, double loss_sum) {
    if (!std::isfinite(loss_sum)) {
        throw RunDiverged("the training loss became " + std::string(std::isnan(loss_sum) ? "NaN" : "infinite") +
                          " after " + std::to_string(samples_seen_) + " samples (epoch " +
                          std::to_string(epochs()) + "); lower optimizer.lr or add warm-up");
    }
    samples_seen_ += samples;
    training_loss_sum_ += loss_sum;
    training_loss_samples_ += samples;
}

void TrainingSession::wait_while_paused() {
    if (pause_ == nullptr || !pause_->load(std::memory_order_relaxed)) return;
    clock_->pause();
    while (pause_->load(std::memory_order_relaxed) && !(cancel_ != nullptr && cancel_->load(std::memory_order_relaxed))) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    clock_->resume();
}

bool TrainingSession::should_stop() {
    if (stop_reason_ != StopReason::none) return true;
    wait_while_paused();
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
        stop_reason_ = StopReason::cancelled;
    } else if (config_.stop.stop_at_target && summary_.target_reached()) {
        stop_reason_ = StopReason::target_reached;
    } else if (epochs() >= config_.stop.max_epochs) {
        stop_reason_ = StopReason::max_epochs;
    } else if (run_clock() >= config_.stop.max_time_s) {
        stop_reason_ = StopReason::max_time;
    }
    return stop_reason_ != StopReason::none;
}

bool TrainingSession::evaluation_due() const {
    if (!last_eval_clock_) return true;
    if (run_clock() - *last_eval_clock_ >= config_.eval.every_s) return true;
    return config_.eval.every_epochs > 0 && epochs() - last_eval_epochs_ >= config_.eval.every_epochs;
}

void TrainingSession::evaluate(Backend& backend, Model& model, const ParameterArena& parameters,
                               const ExtraMetrics& extra) {
    const double clock_at_eval = run_clock();
    clock_->pause();
    std::map<std::string, double> metrics;
    try {
        metrics = evaluator_->evaluate(backend, model, parameters);
        if (extra) metrics.merge(extra());
    } catch (...) {
        clock_->resume();
        throw;
    }
    clock_->resume();
    if (training_loss_samples_ > 0) {
        metrics["train_loss"] = training_loss_sum_ / static_cast<double>(training_loss_samples_);
        training_loss_sum_ = 0;
        training_loss_samples_ = 0;
    }
    last_eval_clock_ = clock_at_eval;
    last_eval_epochs_ = epochs();
    samples_at_last_eval_ = samples_seen_;
    summary_.record_eval(clock_at_eval, metrics);
    summary_.set_progress(clock_at_eval, wall_seconds(), samples_seen_, epochs());
    Event event{clock_at_eval, wall_seconds(), Eval{epochs(), samples_seen_, std::move(metrics)}};
    sink_.on_event(event);
}

void TrainingSession::evaluate_final(Backend& backend, Model& model, const ParameterArena& parameters,
                                     const ExtraMetrics& extra) {
    if (last_eval_clock_ && samples_at_last_eval_ == samples_seen_) return;
    evaluate(backend, model, parameters, extra);
}

void TrainingSession::publish(EventPayload payload) { sink_.on_event(Event{run_clock(), wall_seconds(), std::move(payload)}); }

void TrainingSession::log(LogLevel level, std::string text) { publish(Log{level, std::move(text)}); }

}  // namespace tb
