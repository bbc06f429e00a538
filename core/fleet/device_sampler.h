#pragma once
// Turns the steps of the fleet's workers into DeviceSample events: per worker and sampling interval,
// the batch size, samples per second, cumulative updates and the busy fraction. Busy time is counted
// exactly from step start and finish times, including the part of a step still running when the
// interval closes, so a slow device shows as busy, and a waiting one (at a merge barrier) as idle.
// Samples are spread the same way, evenly over the step that processed them: when the interval is
// shorter than a step (a simulated fleet sampled every half millisecond), a device that trains without
// pause shows a steady rate, not its whole batch in one interval and nothing in the next. The part of
// a running step is estimated at the pace of the worker's previous step and settled when it finishes.

#include <cstdint>
#include <vector>

#include "core/session/events.h"

namespace tb {

class DeviceSampler {
public:
    DeviceSampler(int worker_count, double interval_s);

    void step_started(int worker, double t, std::int64_t batch_size);
    void step_finished(int worker, double t, std::int64_t samples);
    bool due(double now) const { return now - interval_start_ >= interval_s_; }
    // One sample per worker for the interval ending at `now`; starts the next interval.
    std::vector<DeviceSample> take(double now, const std::vector<std::int64_t>& memory_bytes);
    std::int64_t updates(int worker) const { return workers_.at(static_cast<std::size_t>(worker)).updates; }

private:
    struct WorkerState {
        std::int64_t batch_size = 0;
        std::int64_t updates = 0;
        double samples_in_interval = 0;
        double busy_in_interval = 0;
        bool running = false;
        double step_start = 0;
        double previous_step_s = 0;          // 0 until a step has finished
        double credited_to_running_step = 0;  // its samples already counted in earlier intervals
    };

    double interval_s_;
    double interval_start_ = 0;
    std::vector<WorkerState> workers_;
};

}  // namespace tb
