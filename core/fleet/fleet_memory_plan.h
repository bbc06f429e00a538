#pragma once
// Where a fleet combines its replicas (the model merges of the averaging methods, sync_sgd's gradient
// all-reduce): in device memory or through host memory.
//
// Workers whose backends share a memory domain (Backend::memory_domain: the partitions of one GPU)
// form a group; the group's first worker leads it. In device memory, each group sums its members into
// its leader's memory with the leader's own operations, the leaders' sums are joined by the device
// collective their backends offer (NCCL across GPUs) when there are several groups, and each leader
// copies the result back to its members. Nothing crosses the host bus. Through host memory, every
// replica is downloaded, summed in double in worker order and uploaded again: any mix of backends
// works, and on CPU fleets this is the plan chosen, since host memory is where the replicas already
// live and the double sums are free of rounding-order effects.

#include <span>
#include <string>
#include <vector>

#include "core/fleet/worker.h"

namespace tb {

class DeviceCollective;

enum class CombineRoute { host_memory, device_memory };

struct FleetMemoryPlan {
    CombineRoute route = CombineRoute::host_memory;
    // Worker indices grouped by memory domain, groups in order of their first worker; the first index
    // of each group is its leader. Filled for both routes.
    std::vector<std::vector<int>> groups;
    // Joins the groups' leaders in device memory; needed only when there are several groups.
    DeviceCollective* collective = nullptr;
    // Why this route: shown in the run's log, so a slow merge can be traced to its cause.
    std::string reason;
};

// The plan a run uses: device memory when every worker's memory domain is a device's (not "host" and
// not empty) and the groups are one, or several that one collective joins; host memory otherwise.
FleetMemoryPlan plan_fleet_memory(const std::vector<Worker>& workers);
// The same decision from what the workers' backends report: domains[i] and collectives[i] are worker
// i's Backend::memory_domain() and Backend::device_collective().
FleetMemoryPlan plan_fleet_memory(std::span<const std::string> domains, std::span<DeviceCollective* const> collectives);

// Every worker in one group and the route asked for, whatever the backends report: for tests and
// benchmarks that put CPU backends (which share host memory) on the device-memory route.
FleetMemoryPlan single_group_plan(const std::vector<Worker>& workers, CombineRoute route);

}  // namespace tb
