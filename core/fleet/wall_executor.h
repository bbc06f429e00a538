#pragma once
// Real concurrent execution: one thread per device, each running its items in real time. A CPU device
// with speed s < 1 emulates a slower device by idling (1/s - 1) times the compute time it just measured,
// so its throughput is s times what it would be. With a speed variation the item runs at s * factor(t),
// t the run clock at its start, capped at 1 (a device cannot be made faster). CPU devices share the cores: each backend gets
// cores / (CPU devices) threads (cpu_threads_per_device) and BLAS is limited to one thread per caller.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/fleet/work_executor.h"

namespace tb {

// The thread team of each CPU device's backend when `devices` train side by side on the wall clock
// (0: every core, for a lone CPU device).
int cpu_threads_per_device(const std::vector<DeviceSpec>& devices);

class WallExecutor final : public WorkExecutor {
public:
    WallExecutor(RunContext& context, std::vector<DeviceSpec> devices, const std::filesystem::path& config_folder);
    ~WallExecutor() override;

    void run_on_every_device(const std::function<void(int device)>& task) override;
    void communicate(double bytes, Collective kind) override;
    bool simulated() const override { return false; }

private:
    struct Finished {
        int device = 0;
        WorkOutcome outcome;
        std::exception_ptr error;
    };

    void start(int device, WorkItem item) override;
    Completion wait_for_completion() override;
    std::optional<Completion> finished_completion(std::chrono::microseconds patience) override;
    void device_loop(int device);

    RunContext& context_;
    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable item_finished_;
    std::vector<std::optional<WorkItem>> items_;  // one slot per device
    std::vector<double> item_speeds_;             // the speed each slot's item runs at
    std::deque<Finished> finished_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace tb
