#include "core/fleet/wall_executor.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/data/batch.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

int cpu_worker_count(const TrainingSession& session, int worker_limit) {
    const auto& devices = session.config().fleet.devices;
    const std::size_t used = worker_limit > 0 ? std::min(devices.size(), static_cast<std::size_t>(worker_limit)) : devices.size();
    return static_cast<int>(std::count_if(devices.begin(), devices.begin() + static_cast<std::ptrdiff_t>(used),
                                          [](const DeviceSpec& d) { return d.backend == "cpu"; }));
}

int threads_per_cpu_worker(const TrainingSession& session, int worker_limit) {
    const int cpu_workers = cpu_worker_count(session, worker_limit);
    if (cpu_workers <= 1) return 0;
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, cores / cpu_workers);
}

}  // namespace

WallExecutor::WallExecutor(TrainingSession& session, int worker_limit)
    : Executor(session, create_workers(session, threads_per_cpu_worker(session, worker_limit), worker_limit)),
      orders_(workers_.size()) {
    threads_.reserve(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) threads_.emplace_back([this, i] { worker_loop(static_cast<int>(i)); });
}

WallExecutor::~WallExecutor() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
}

void WallExecutor::start(const StepOrder& order) {
    {
        std::lock_guard lock(mutex_);
        orders_[static_cast<std::size_t>(order.worker)] = order;
    }
    work_ready_.notify_all();
}

void WallExecutor::worker_loop(int index) {
    Worker& worker = workers_[static_cast<std::size_t>(index)];
    for (;;) {
        StepOrder order;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [&] { return stopping_ || orders_[static_cast<std::size_t>(index)].has_value(); });
            if (stopping_) return;
            order = std::move(*orders_[static_cast<std::size_t>(index)]);
            orders_[static_cast<std::size_t>(index)].reset();
        }
        Finished finished{index, static_cast<std::int64_t>(order.rows.size()), 0.0, nullptr};
        try {
            const auto compute_start = std::chrono::steady_clock::now();
            if (order.kind == StepKind::apply) {
                worker.replica->apply_update(order.learning_rate);
            } else {
                const HostBatch batch = make_batch(train_, order.rows);
                finished.loss_sum = order.kind == StepKind::update
                                        ? worker.replica->train_step(batch, order.learning_rate)
                                        : worker.replica->compute_gradients(batch, order.gradient_scale);
            }
            const std::chrono::duration<double> compute = std::chrono::steady_clock::now() - compute_start;
            if (worker.device.backend == "cpu" && worker.device.speed < 1.0) {
                std::this_thread::sleep_for(compute * (1.0 / worker.device.speed - 1.0));
            }
        } catch (...) {
            finished.error = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            finished_.push_back(finished);
        }
        step_finished_.notify_all();
    }
}

StepDone WallExecutor::wait_for_step() {
    Finished finished;
    {
        std::unique_lock lock(mutex_);
        step_finished_.wait(lock, [&] { return !finished_.empty(); });
        finished = finished_.front();
        finished_.pop_front();
    }
    if (finished.error) std::rethrow_exception(finished.error);
    return StepDone{finished.worker, finished.samples, finished.loss_sum, session_.run_clock()};
}

void WallExecutor::apply_updates(float learning_rate) {
    if (in_flight() > 0) throw std::logic_error("apply_updates while steps are in flight");
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            orders_[i] = StepOrder{static_cast<int>(i), {}, StepKind::apply, learning_rate, 0.0f};
        }
    }
    work_ready_.notify_all();
    // Every worker reports back, also after a failure, so that no update is still running on return.
    std::exception_ptr first_error;
    for (std::size_t reported = 0; reported < workers_.size(); ++reported) {
        std::unique_lock lock(mutex_);
        step_finished_.wait(lock, [&] { return !finished_.empty(); });
        const Finished finished = finished_.front();
        finished_.pop_front();
        if (finished.error && !first_error) first_error = finished.error;
    }
    if (first_error) std::rethrow_exception(first_error);
}

void WallExecutor::communicate(double /*bytes*/) {}

}  // namespace tb
