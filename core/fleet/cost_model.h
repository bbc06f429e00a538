#pragma once
// The simulated clock's cost model: how long a device takes for a training step and how long the fleet
// takes for a collective. Every figure comes from the device specs (core/session/fleet_config.h).
//
// A step pays its arithmetic over the device's peak, its memory traffic over the memory bandwidth and a
// fixed launch overhead, all slowed by the device's speed factor, plus the batch's copy over the host
// link (the link is not slowed by a slow device). The parts are added rather than overlapped: a
// sparse-MLP step is a chain of dependent kernels, each mostly bound by one of them.
//
// Collectives run on a ring, at the speed of the slowest link in it: an all-reduce has each device send
// and receive 2(n-1)/n of the buffer in 2(n-1) latency-bound rounds (Patarasuk and Yuan, "Bandwidth
// optimal all-reduce algorithms for clusters of workstations", JPDC 2009); an all-gather, half of that:
// (n-1)/n of the gathered total in n-1 rounds.

#include <span>

#include "core/session/fleet_config.h"
#include "core/nn/step_cost.h"

namespace tb {

// speed_factor: the device's speed variation at the step's start (1: its fixed speed).
double simulated_step_seconds(const DeviceSpec& device, const StepCost& cost, double speed_factor = 1.0);

// Seconds for an all-reduce of `bytes` (the buffer size on each device) over `devices`; 0 for one device.
double simulated_all_reduce_seconds(std::span<const DeviceSpec> devices, double bytes);

enum class Collective { all_reduce, all_gather };
// Seconds for `kind` over `devices`: for an all-reduce `bytes` is the buffer on each device, for an
// all-gather the gathered total (every device's part together); 0 for one device.
double simulated_collective_seconds(std::span<const DeviceSpec> devices, Collective kind, double bytes);

}  // namespace tb
