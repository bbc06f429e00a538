#pragma once
// Real concurrent execution: one thread per worker, each training its replica on its own device, in
// real time. A CPU device with speed s < 1 emulates a slower device by idling (1/s - 1) times the compute
// time it just measured, so its throughput is s times what it would be. CPU workers share the cores:
// each backend gets cores / (CPU workers) threads and BLAS is limited to one thread per caller.

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/fleet/executor.h"

namespace tb {

class WallExecutor final : public Executor {
public:
    WallExecutor(TrainingSession& session, int worker_limit);
    ~WallExecutor() override;

    void apply_updates(float learning_rate) override;
    void communicate(double bytes) override;
    bool simulated() const override { return false; }

private:
    struct Finished {
        int worker = 0;
        std::int64_t samples = 0;
        double loss_sum = 0;
        std::exception_ptr error;
    };

    void start(const StepOrder& order) override;
    StepDone wait_for_step() override;
    void worker_loop(int index);

    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable step_finished_;
    std::vector<std::optional<StepOrder>> orders_;  // one slot per worker
    std::deque<Finished> finished_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace tb
