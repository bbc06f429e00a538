#include "core/fleet/simulated_executor.h"

#include <stdexcept>

#include "core/data/batch.h"
#include "core/fleet/cost_model.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

SimulatedRunClock& require_simulated_clock(TrainingSession& session) {
    SimulatedRunClock* clock = session.simulated_clock();
    if (clock == nullptr) throw std::logic_error("the simulated executor needs a session on the simulated clock");
    return *clock;
}

}  // namespace

// Steps run one after another here, so each may use every core.
SimulatedExecutor::SimulatedExecutor(TrainingSession& session, int worker_limit)
    : Executor(session, create_workers(session, 0, worker_limit)), clock_(require_simulated_clock(session)) {}

void SimulatedExecutor::start(const StepOrder& order) {
    Worker& worker = workers_.at(static_cast<std::size_t>(order.worker));
    const HostBatch batch = make_batch(train_, order.rows);
    const double duration = simulated_step_seconds(worker.device, worker.replica->model().training_cost(batch));
    const double loss = order.kind == StepKind::update ? worker.replica->train_step(batch, order.learning_rate)
                                                       : worker.replica->compute_gradients(batch, order.gradient_scale);
    pending_.push(StepDone{order.worker, batch.size(), loss, clock_.now() + duration});
}

StepDone SimulatedExecutor::wait_for_step() {
    const StepDone done = pending_.top();
    pending_.pop();
    clock_.advance_to(done.finished_at);
    return done;
}

void SimulatedExecutor::communicate(double bytes) {
    if (in_flight() > 0) throw std::logic_error("communication while steps are in flight");
    std::vector<DeviceSpec> devices;
    for (const Worker& worker : workers_) devices.push_back(worker.device);
    clock_.advance_to(clock_.now() + simulated_all_reduce_seconds(devices, bytes));
}

}  // namespace tb
