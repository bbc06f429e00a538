#include "core/session/run_context.h"

#include <span>
#include <thread>

#include "core/backend/cpu_backend.h"
#include "core/backend/device_memory_limit.h"
#include "core/config/config_reader.h"
#include "core/errors.h"
#include "core/session/process_group.h"

namespace tb {

const char* to_string(StopReason reason) {
    switch (reason) {
        case StopReason::none: return "none";
        case StopReason::max_time: return "max_time";
        case StopReason::max_wall_time: return "max_wall_time";
        case StopReason::max_epochs: return "max_epochs";
        case StopReason::work_done: return "work_done";
        case StopReason::target_reached: return "target_reached";
        case StopReason::cancelled: return "cancelled";
    }
    return "unknown";
}

RunContext::RunContext(const RunConfig& config, EventSink& sink, RunControls controls,
                       BackendFactory gpu_backend_factory, ProgressUnit progress_unit)
    : config_(config),
      sink_(sink),
      controls_(controls),
      gpu_backend_factory_(std::move(gpu_backend_factory)),
      progress_unit_(progress_unit),
      summary_(config.stop.target),
      wall_start_(Clock::now()) {
    if (config.fleet.simulated()) {
        clock_ = std::make_unique<SimulatedRunClock>();
    } else {
        clock_ = std::make_unique<WallRunClock>();
    }
}

SimulatedRunClock* RunContext::simulated_clock() { return dynamic_cast<SimulatedRunClock*>(clock_.get()); }

std::unique_ptr<Backend> RunContext::create_backend(const DeviceSpec& device, int cpu_threads) const {
    if (device.is_cpu()) {
        return std::make_unique<CpuBackend>(cpu_threads, memory_limit_bytes_of(device.memory_limit_gb));
    }
    if (!gpu_backend_factory_) {
        throw DeviceError("device '" + device.name + "' asks for the " + device.backend_name() +
                          " backend, but this build of Trainbench has none (build with TB_CUDA=ON where nvcc is "
                          "installed, or set the device's backend to cpu)");
    }
    return gpu_backend_factory_(device);
}

double RunContext::wall_seconds() const { return std::chrono::duration<double>(Clock::now() - wall_start_).count(); }

void RunContext::set_progress(double progress, std::int64_t samples_seen) {
    progress_ = progress;
    samples_seen_ = samples_seen;
}

void RunContext::wait_while_paused() {
    const auto set = [](const std::atomic<bool>* flag) { return flag != nullptr && flag->load(std::memory_order_relaxed); };
    if (!set(controls_.pause)) return;
    clock_->pause();
    while (set(controls_.pause) && !set(controls_.cancel)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    clock_->resume();
}

namespace {

// The leader's value of a decision, on every rank.
template <typename Value>
Value agree_with_leader(ProcessGroup* group, Value value) {
    if (group == nullptr) return value;
    group->broadcast(std::as_writable_bytes(std::span<Value>(&value, 1)), 0);
    return value;
}

}  // namespace

bool RunContext::should_stop() {
    // Once stopped, every rank knows it: no more agreement is needed.
    if (stop_reason_ != StopReason::none) return true;
    if (process_group_ != nullptr && !process_group_->leader()) {
        stop_reason_ = agree_with_leader(process_group_, StopReason::none);
        return stop_reason_ != StopReason::none;
    }
    decide_whether_to_stop();
    agree_with_leader(process_group_, stop_reason_);
    return stop_reason_ != StopReason::none;
}

void RunContext::decide_whether_to_stop() {
    wait_while_paused();
    if (controls_.cancel != nullptr && controls_.cancel->load(std::memory_order_relaxed)) {
        stop_reason_ = StopReason::cancelled;
    } else if (config_.stop.stop_at_target && summary_.target_reached()) {
        stop_reason_ = StopReason::target_reached;
    } else if (progress_unit_ == ProgressUnit::epochs && progress_ >= config_.stop.max_epochs) {
        stop_reason_ = StopReason::max_epochs;
    } else if (progress_unit_ == ProgressUnit::fraction_done && progress_ >= 1.0) {
        stop_reason_ = StopReason::work_done;
    } else if (run_clock() >= config_.stop.max_time_s) {
        stop_reason_ = StopReason::max_time;
    } else if (config_.stop.max_wall_s > 0 && wall_seconds() >= config_.stop.max_wall_s) {
        // On the simulated clock the two clocks differ by orders of magnitude: say which one ended the run.
        stop_reason_ = StopReason::max_wall_time;
        log(LogLevel::info, "stopped by stop.max_wall_s " + format_number(config_.stop.max_wall_s) +
                                " (wall clock) at " + format_number(run_clock()) + " s of run clock");
    }
}

bool RunContext::evaluation_due() const {
    if (process_group_ != nullptr && !process_group_->leader()) return agree_with_leader(process_group_, false);
    return agree_with_leader(process_group_, evaluation_due_here());
}

bool RunContext::evaluation_due_here() const {
    if (!last_eval_clock_) return true;
    if (run_clock() - *last_eval_clock_ >= config_.eval.every_s) return true;
    // eval.every_epochs counts passes over the data; a fraction-done method evaluates by time only.
    return progress_unit_ == ProgressUnit::epochs && config_.eval.every_epochs > 0 &&
           progress_ - progress_at_last_eval_ >= config_.eval.every_epochs;
}

bool RunContext::evaluation_is_current() const {
    return last_eval_clock_ && samples_at_last_eval_ == samples_seen_ && progress_at_last_eval_ == progress_;
}

void RunContext::evaluate(const Measurement& measure) {
    const double clock_at_eval = run_clock();
    clock_->pause();
    std::map<std::string, double> metrics;
    try {
        metrics = measure();
    } catch (...) {
        clock_->resume();
        throw;
    }
    clock_->resume();
    last_eval_clock_ = clock_at_eval;
    progress_at_last_eval_ = progress_;
    samples_at_last_eval_ = samples_seen_;
    summary_.record_eval(clock_at_eval, metrics);
    summary_.set_progress(clock_at_eval, wall_seconds(), samples_seen_, progress_);
    sink_.on_event(Event{clock_at_eval, wall_seconds(), Eval{progress_, samples_seen_, std::move(metrics)}});
}

void RunContext::publish(EventPayload payload) { sink_.on_event(Event{run_clock(), wall_seconds(), std::move(payload)}); }

void RunContext::log(LogLevel level, std::string text) { publish(Log{level, std::move(text)}); }

}  // namespace tb
