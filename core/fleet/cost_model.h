#pragma once
// The simulated clock's cost model: how long a device takes for a training step and how long the fleet
// takes for a collective. Every figure comes from the device specs (core/session/fleet_config.h).
//
// A step pays its arithmetic over the device's peak, its memory traffic over the memory bandwidth and a
// fixed launch overhead, all slowed by the device's speed factor, plus the batch's copy over the host
// link (the link is not slowed by a slow device). The parts are added rather than overlapped: a
// sparse-MLP step is a chain of dependent kernels, each mostly bound by one of them.
//
// Collectives are ring all-reduces: with n devices each sends and receives 2(n-1)/n of the buffer in
// 2(n-1) latency-bound rounds, at the speed of the slowest link in the ring (Patarasuk and Yuan,
// "Bandwidth optimal all-reduce algorithms for clusters of workstations", JPDC 2009).

#include <span>

#include "core/session/fleet_config.h"
#include "core/nn/step_cost.h"

namespace tb {

double simulated_step_seconds(const DeviceSpec& device, const StepCost& cost);

// Seconds for an all-reduce of `bytes` (the buffer size on each device) over `devices`; 0 for one device.
double simulated_all_reduce_seconds(std::span<const DeviceSpec> devices, double bytes);

}  // namespace tb
