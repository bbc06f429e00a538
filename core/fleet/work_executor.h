#pragma once
// The fleet's executor of costed work items: whatever a method computes on a device (an SGD step of a
// replica, a block of a Gram matrix, a solver's matrix product) runs as a work item on one device, and
// completions come back in run-clock order. It never knows what the work is, so simulated heterogeneity
// applies to every family of methods:
//   simulated (core/fleet/simulated_executor.h): deterministic discrete-event execution on one thread;
//     an item runs at once and finishes at now + the cost model's seconds for the cost it reports
//     (core/fleet/cost_model.h) on its device;
//   wall (core/fleet/wall_executor.h): one thread per device, real time; a CPU device with speed below 1
//     idles (1/speed - 1) times an item's measured compute time after it.
// A device whose speed varies (its speed_variation) runs an item at speed * factor(t), t the run clock
// when the item starts (core/fleet/speed_schedule.h).

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/fleet/cost_model.h"
#include "core/fleet/speed_schedule.h"
#include "core/nn/step_cost.h"
#include "core/session/fleet_config.h"

namespace tb {

class RunContext;

// What a finished item reports: its cost on the hardware (the simulated clock's duration), and for the
// caller the samples it consumed and one value (an SGD step's summed loss; 0 where nothing is summed).
struct WorkOutcome {
    StepCost cost;
    std::int64_t samples = 0;
    double value = 0;
};

// Runs on its device's thread (wall clock) or at once on the caller's (simulated clock).
using WorkItem = std::function<WorkOutcome()>;

struct WorkDone {
    int device = 0;
    WorkOutcome outcome;
    double finished_at = 0;  // run clock
};

class WorkExecutor {
public:
    virtual ~WorkExecutor() = default;
    WorkExecutor(const WorkExecutor&) = delete;
    WorkExecutor& operator=(const WorkExecutor&) = delete;

    int device_count() const { return static_cast<int>(devices_.size()); }
    const DeviceSpec& device(int index) const { return devices_.at(static_cast<std::size_t>(index)); }
    bool idle(int device) const { return !busy_.at(static_cast<std::size_t>(device)); }
    int in_flight() const { return in_flight_; }

    // Starts an item on an idle device (std::logic_error otherwise).
    void submit(int device, WorkItem item);
    // Waits for the next item to finish; rethrows what the item threw. Requires an item in flight.
    WorkDone next_completion();
    struct Completion {
        WorkDone done;
        std::exception_ptr error;  // what the item threw, if it did
    };
    // The next finished item if one has finished, without waiting, with what it threw if it did (wall
    // clock only: on the simulated clock nothing finishes until the clock is moved; std::logic_error
    // there).
    // `patience`: how long to wait for one when none has finished yet (0: not at all).
    std::optional<Completion> poll_completion(std::chrono::microseconds patience = std::chrono::microseconds(0));
    // Waits for every item in flight: a barrier.
    std::vector<WorkDone> drain();
    // Runs task(device) for every device (all idle) and returns when all are done: on the wall clock side
    // by side on the devices' threads, taking real time; on the simulated clock one after another on the
    // caller's thread, taking no run clock (the caller charges the cost where it belongs).
    virtual void run_on_every_device(const std::function<void(int device)>& task) = 0;
    // Time for a collective over all devices (all idle), such as an all-reduce or a merge (`bytes` as
    // simulated_collective_seconds reads them): the simulated clock charges it on a ring; on the wall
    // clock the copy the method made already took its real time, so nothing is added.
    virtual void communicate(double bytes, Collective kind) = 0;
    virtual bool simulated() const = 0;

protected:
    // config_folder: where a speed trace file named relative to the config is.
    WorkExecutor(std::vector<DeviceSpec> devices, const std::filesystem::path& config_folder);
    // The device's speed factor for an item starting at run-clock time t.
    double speed_factor(int device, double t) { return speed_schedules_[static_cast<std::size_t>(device)].factor_at(t); }

    // Starts the item; the device is marked busy already. May run it at once and throw what it throws.
    virtual void start(int device, WorkItem item) = 0;
    // Blocks until some item finishes and returns it; advances the run clock where the executor owns it.
    virtual Completion wait_for_completion() = 0;
    // An item that has finished, if any, without blocking.
    virtual std::optional<Completion> finished_completion(std::chrono::microseconds patience);

    std::vector<DeviceSpec> devices_;

private:
    std::vector<SpeedSchedule> speed_schedules_;  // one per device
    std::vector<bool> busy_;
    int in_flight_ = 0;
};

// The executor the context's clock asks for, one lane per device.
std::unique_ptr<WorkExecutor> create_work_executor(RunContext& context, std::vector<DeviceSpec> devices);

}  // namespace tb
