#include "core/fleet/executor.h"

#include <stdexcept>
#include <string>

#include "core/data/batch.h"
#include "core/fleet/memory_traces.h"
#include "core/fleet/trust_ratio_traces.h"
#include "core/fleet/wall_executor.h"
#include "core/session/training_session.h"

namespace tb {

Executor::Executor(TrainingSession& session, std::vector<Worker> workers, std::unique_ptr<WorkExecutor> work)
    : session_(session),
      train_(session.data().train),
      workers_(std::move(workers)),
      work_(std::move(work)),
      sampler_(static_cast<int>(workers_.size()), session.config().fleet.sample_every_s) {
    if (workers_.empty()) throw std::logic_error("an executor needs at least one worker");
    if (work_ == nullptr || work_->device_count() != worker_count()) {
        throw std::logic_error("an executor needs one device lane per worker");
    }
}

Executor::~Executor() {
    // The backends go with the workers: their peaks go to the summary first, also when the run is
    // unwinding from a failure (running out of memory is when they matter most).
    try {
        record_peak_memory(workers_, session_.summary());
    } catch (...) {  // NOLINT(bugprone-empty-catch): a summary without peaks beats terminating the run
    }
}

WorkItem Executor::step_item(StepOrder order) {
    return [this, order = std::move(order)] {
        Replica& replica = *workers_[static_cast<std::size_t>(order.worker)].replica;
        const HostBatch batch = make_batch(train_, order.rows);
        const StepCost cost = replica.model().training_cost(batch);
        const double loss = order.kind == StepKind::update ? replica.train_step(batch, order.learning_rate)
                                                           : replica.compute_gradients(batch, order.gradient_scale);
        return WorkOutcome{cost, batch.size(), loss};
    };
}

void Executor::submit(StepOrder order) {
    const auto index = static_cast<std::size_t>(order.worker);
    if (index >= workers_.size()) throw std::logic_error("step for worker " + std::to_string(order.worker) + " of " + std::to_string(workers_.size()));
    if (!work_->idle(order.worker)) throw std::logic_error("step submitted to busy worker " + std::to_string(order.worker));
    if (order.kind == StepKind::apply) throw std::logic_error("updates without a batch go through apply_updates");
    if (order.rows.empty()) throw std::logic_error("empty batch submitted to worker " + std::to_string(order.worker));
    sampler_.step_started(order.worker, session_.run_clock(), static_cast<std::int64_t>(order.rows.size()));
    const int worker = order.worker;
    const auto rows = static_cast<std::int64_t>(order.rows.size());
    work_->submit(worker, step_item(std::move(order)));
    rows_in_flight_ += rows;
}

StepDone Executor::next_completion() {
    const WorkDone work_done = work_->next_completion();
    rows_in_flight_ -= work_done.outcome.samples;
    const StepDone done{work_done.device, work_done.outcome.samples, work_done.outcome.value, work_done.finished_at};
    sampler_.step_finished(done.worker, done.finished_at, done.samples);
    // Layer-wise optimizers' trust ratios, published on the run's thread like every other event.
    Replica& replica = *workers_[static_cast<std::size_t>(done.worker)].replica;
    if (auto adaptation = replica.take_layer_adaptation()) {
        for (Trace& trace : trust_ratio_traces(done.worker, replica.optimizer_steps(), *adaptation)) {
            session_.publish(std::move(trace));
        }
    }
    session_.add_training_progress(done.samples, done.loss_sum);
    if (sampler_.due(done.finished_at)) {
        std::vector<std::int64_t> memory;
        for (const Worker& worker : workers_) memory.push_back(worker.replica->memory_bytes());
        for (DeviceSample& sample : sampler_.take(done.finished_at, memory)) session_.publish(sample);
        for (const Worker& worker : workers_) {
            for (Trace& trace : memory_traces(worker.device.name, *worker.backend)) {
                session_.publish(std::move(trace));
            }
        }
    }
    return done;
}

void Executor::apply_updates(float learning_rate) {
    if (in_flight() > 0) throw std::logic_error("apply_updates while steps are in flight");
    work_->run_on_every_device([&](int device) { workers_[static_cast<std::size_t>(device)].replica->apply_update(learning_rate); });
}

std::vector<StepDone> Executor::drain() {
    std::vector<StepDone> finished;
    while (in_flight() > 0) finished.push_back(next_completion());
    return finished;
}

std::unique_ptr<Executor> create_executor(TrainingSession& session, int worker_limit) {
    std::vector<DeviceSpec> devices = session.config().fleet.devices;
    if (worker_limit > 0 && devices.size() > static_cast<std::size_t>(worker_limit)) devices.resize(static_cast<std::size_t>(worker_limit));
    // Simulated steps run one after another, so each may use every core; on the wall clock CPU workers
    // train side by side and share them.
    const int cpu_threads = session.simulated_clock() != nullptr ? 0 : cpu_threads_per_device(devices);
    std::vector<Worker> workers = create_workers(session, cpu_threads, worker_limit);
    std::unique_ptr<WorkExecutor> work = create_work_executor(session.context(), std::move(devices));
    return std::make_unique<Executor>(session, std::move(workers), std::move(work));
}

}  // namespace tb
