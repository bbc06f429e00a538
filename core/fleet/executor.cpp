#include "core/fleet/executor.h"

#include <stdexcept>
#include <string>

#include "core/fleet/memory_traces.h"
#include "core/fleet/simulated_executor.h"
#include "core/fleet/trust_ratio_traces.h"
#include "core/fleet/wall_executor.h"
#include "core/run/training_session.h"

namespace tb {

Executor::Executor(TrainingSession& session, std::vector<Worker> workers)
    : session_(session),
      train_(session.data().train),
      workers_(std::move(workers)),
      busy_(workers_.size(), false),
      sampler_(static_cast<int>(workers_.size()), session.config().fleet.sample_every_s) {
    if (workers_.empty()) throw std::logic_error("an executor needs at least one worker");
}

void Executor::submit(StepOrder order) {
    const auto index = static_cast<std::size_t>(order.worker);
    if (index >= workers_.size()) throw std::logic_error("step for worker " + std::to_string(order.worker) + " of " + std::to_string(workers_.size()));
    if (busy_[index]) throw std::logic_error("step submitted to busy worker " + std::to_string(order.worker));
    if (order.kind == StepKind::apply) throw std::logic_error("updates without a batch go through apply_updates");
    if (order.rows.empty()) throw std::logic_error("empty batch submitted to worker " + std::to_string(order.worker));
    busy_[index] = true;
    ++in_flight_;
    sampler_.step_started(order.worker, session_.run_clock(), static_cast<std::int64_t>(order.rows.size()));
    start(order);
}

StepDone Executor::next_completion() {
    if (in_flight_ == 0) throw std::logic_error("next_completion with no step in flight");
    const StepDone done = wait_for_step();
    busy_[static_cast<std::size_t>(done.worker)] = false;
    --in_flight_;
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
            for (Trace& trace : memory_traces(worker.device.name, worker.backend->memory_in_use())) {
                session_.publish(std::move(trace));
            }
        }
    }
    return done;
}

void Executor::apply_updates(float learning_rate) {
    if (in_flight_ > 0) throw std::logic_error("apply_updates while steps are in flight");
    for (Worker& worker : workers_) worker.replica->apply_update(learning_rate);
}

std::vector<StepDone> Executor::drain() {
    std::vector<StepDone> finished;
    while (in_flight_ > 0) finished.push_back(next_completion());
    return finished;
}

std::unique_ptr<Executor> create_executor(TrainingSession& session, int worker_limit) {
    if (session.simulated_clock() != nullptr) return std::make_unique<SimulatedExecutor>(session, worker_limit);
    return std::make_unique<WallExecutor>(session, worker_limit);
}

}  // namespace tb
