#include "core/fleet/cost_model.h"

#include <algorithm>

namespace tb {

double simulated_step_seconds(const DeviceSpec& device, const StepCost& cost, double speed_factor) {
    const double compute_s = cost.flops / (device.peak_gflops * 1e9);
    const double memory_s = cost.memory_bytes / (device.memory_gbs * 1e9);
    const double launch_s = device.launch_overhead_us * 1e-6;
    const double transfer_s = cost.host_bytes / (device.link_gbs * 1e9);
    return (compute_s + memory_s + launch_s) / (device.speed * speed_factor) + transfer_s;
}

double simulated_all_reduce_seconds(std::span<const DeviceSpec> devices, double bytes) {
    return simulated_collective_seconds(devices, Collective::all_reduce, bytes);
}

double simulated_collective_seconds(std::span<const DeviceSpec> devices, Collective kind, double bytes) {
    const auto n = static_cast<double>(devices.size());
    if (devices.size() < 2 || bytes <= 0) return 0.0;
    double slowest_link_gbs = devices.front().link_gbs;
    double largest_latency_us = devices.front().link_latency_us;
    for (const DeviceSpec& device : devices) {
        slowest_link_gbs = std::min(slowest_link_gbs, device.link_gbs);
        largest_latency_us = std::max(largest_latency_us, device.link_latency_us);
    }
    const double rounds = kind == Collective::all_reduce ? 2 * (n - 1) : n - 1;
    return rounds * largest_latency_us * 1e-6 + (rounds / n) * bytes / (slowest_link_gbs * 1e9);
}

}  // namespace tb
