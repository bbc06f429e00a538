#include "core/fleet/simulated_executor.h"

#include <stdexcept>

#include "core/fleet/cost_model.h"

namespace tb {

SimulatedExecutor::SimulatedExecutor(SimulatedRunClock& clock, std::vector<DeviceSpec> devices,
                                     const std::filesystem::path& config_folder)
    : WorkExecutor(std::move(devices), config_folder), clock_(clock) {}

void SimulatedExecutor::start(int device, WorkItem item) {
    const WorkOutcome outcome = item();
    const double duration = simulated_step_seconds(devices_.at(static_cast<std::size_t>(device)), outcome.cost,
                                                   speed_factor(device, clock_.now()));
    pending_.push(WorkDone{device, outcome, clock_.now() + duration});
}

WorkExecutor::Completion SimulatedExecutor::wait_for_completion() {
    const WorkDone done = pending_.top();
    pending_.pop();
    clock_.advance_to(done.finished_at);
    return {done, nullptr};
}

void SimulatedExecutor::run_on_every_device(const std::function<void(int device)>& task) {
    if (in_flight() > 0) throw std::logic_error("run_on_every_device while work is in flight");
    for (int device = 0; device < device_count(); ++device) task(device);
}

void SimulatedExecutor::communicate(double bytes, Collective kind) {
    if (in_flight() > 0) throw std::logic_error("communication while work is in flight");
    clock_.advance_to(clock_.now() + simulated_collective_seconds(devices_, kind, bytes));
}

}  // namespace tb
