#include "core/fleet/work_executor.h"

#include <stdexcept>
#include <string>

#include "core/fleet/simulated_executor.h"
#include "core/fleet/wall_executor.h"
#include "core/session/run_context.h"

namespace tb {

WorkExecutor::WorkExecutor(std::vector<DeviceSpec> devices, const std::filesystem::path& config_folder)
    : devices_(std::move(devices)), busy_(devices_.size(), false) {
    if (devices_.empty()) throw std::logic_error("an executor needs at least one device");
    speed_schedules_.reserve(devices_.size());
    for (const DeviceSpec& device : devices_) speed_schedules_.emplace_back(device.speed_variation, config_folder);
}

void WorkExecutor::submit(int device, WorkItem item) {
    const auto index = static_cast<std::size_t>(device);
    if (index >= devices_.size()) {
        throw std::logic_error("work for device " + std::to_string(device) + " of " + std::to_string(devices_.size()));
    }
    if (busy_[index]) throw std::logic_error("work submitted to busy device " + std::to_string(device));
    busy_[index] = true;
    ++in_flight_;
    try {
        start(device, std::move(item));
    } catch (...) {
        busy_[index] = false;
        --in_flight_;
        throw;
    }
}

WorkDone WorkExecutor::next_completion() {
    if (in_flight_ == 0) throw std::logic_error("next_completion with no work in flight");
    Completion completion = wait_for_completion();
    // The device is free again whether its item succeeded or threw.
    busy_[static_cast<std::size_t>(completion.done.device)] = false;
    --in_flight_;
    if (completion.error) std::rethrow_exception(completion.error);
    return completion.done;
}

std::optional<WorkExecutor::Completion> WorkExecutor::poll_completion(std::chrono::microseconds patience) {
    if (in_flight_ == 0) return std::nullopt;
    std::optional<Completion> completion = finished_completion(patience);
    if (!completion) return std::nullopt;
    busy_[static_cast<std::size_t>(completion->done.device)] = false;
    --in_flight_;
    return completion;
}

std::optional<WorkExecutor::Completion> WorkExecutor::finished_completion(std::chrono::microseconds /*patience*/) {
    throw std::logic_error("this executor cannot be polled: distributed runs are on the wall clock");
}

std::vector<WorkDone> WorkExecutor::drain() {
    std::vector<WorkDone> finished;
    while (in_flight_ > 0) finished.push_back(next_completion());
    return finished;
}

std::unique_ptr<WorkExecutor> create_work_executor(RunContext& context, std::vector<DeviceSpec> devices) {
    const std::filesystem::path& folder = context.config().config_folder;
    if (SimulatedRunClock* clock = context.simulated_clock()) {
        return std::make_unique<SimulatedExecutor>(*clock, std::move(devices), folder);
    }
    return std::make_unique<WallExecutor>(context, std::move(devices), folder);
}

}  // namespace tb
