#include "core/fleet/device_sampler.h"

#include <algorithm>

namespace tb {

DeviceSampler::DeviceSampler(int worker_count, double interval_s)
    : interval_s_(interval_s), workers_(static_cast<std::size_t>(worker_count)) {}

void DeviceSampler::step_started(int worker, double t, std::int64_t batch_size) {
    WorkerState& state = workers_.at(static_cast<std::size_t>(worker));
    state.batch_size = batch_size;
    state.running = true;
    state.step_start = t;
    state.credited_to_running_step = 0;
}

void DeviceSampler::step_finished(int worker, double t, std::int64_t samples) {
    WorkerState& state = workers_.at(static_cast<std::size_t>(worker));
    state.busy_in_interval += std::max(0.0, t - std::max(state.step_start, interval_start_));
    // Whatever earlier intervals were credited, the step's samples are counted exactly once in total.
    state.samples_in_interval += std::max(0.0, static_cast<double>(samples) - state.credited_to_running_step);
    state.credited_to_running_step = 0;
    state.previous_step_s = t - state.step_start;
    state.running = false;
    ++state.updates;
}

std::vector<DeviceSample> DeviceSampler::take(double now, const std::vector<std::int64_t>& memory_bytes) {
    const double length = now - interval_start_;
    std::vector<DeviceSample> samples;
    samples.reserve(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        WorkerState& state = workers_[i];
        double busy = state.busy_in_interval;
        if (state.running) {
            busy += std::max(0.0, now - std::max(state.step_start, interval_start_));
            if (state.previous_step_s > 0) {
                // The running step's share so far, at the previous step's pace, never past its batch.
                const double done = std::min(1.0, (now - state.step_start) / state.previous_step_s);
                const double share = done * static_cast<double>(state.batch_size) - state.credited_to_running_step;
                if (share > 0) {
                    state.samples_in_interval += share;
                    state.credited_to_running_step += share;
                }
            }
        }
        DeviceSample sample;
        sample.device = static_cast<int>(i);
        sample.batch_size = state.batch_size;
        sample.samples_per_s = length > 0 ? state.samples_in_interval / length : 0.0;
        sample.updates = state.updates;
        sample.busy = length > 0 ? std::clamp(busy / length, 0.0, 1.0) : 0.0;
        sample.memory_bytes = i < memory_bytes.size() ? memory_bytes[i] : 0;
        samples.push_back(sample);
        state.samples_in_interval = 0;
        state.busy_in_interval = 0;
    }
    interval_start_ = now;
    return samples;
}

}  // namespace tb
