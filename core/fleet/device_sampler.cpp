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
}

void DeviceSampler::step_finished(int worker, double t, std::int64_t samples) {
    WorkerState& state = workers_.at(static_cast<std::size_t>(worker));
    state.busy_in_interval += std::max(0.0, t - std::max(state.step_start, interval_start_));
    state.samples_in_interval += samples;
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
        if (state.running) busy += std::max(0.0, now - std::max(state.step_start, interval_start_));
        DeviceSample sample;
        sample.device = static_cast<int>(i);
        sample.batch_size = state.batch_size;
        sample.samples_per_s = length > 0 ? static_cast<double>(state.samples_in_interval) / length : 0.0;
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
