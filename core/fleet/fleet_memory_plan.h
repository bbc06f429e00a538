#pragma once
// Where a fleet combines its replicas (the model merges of the averaging methods, sync_sgd's gradient
// all-reduce): in place, in the memory the replicas live in, or staged through host memory.
//
// Workers whose backends share a memory domain (Backend::memory_domain: the CPU workers in host memory,
// the partitions of one GPU in its memory) form a group; the group's first worker leads it. In place,
// each group sums its members into its leader's memory with the leader's own operations, the leaders'
// sums are joined by the device collective their backends offer (NCCL across GPUs) when there are
// several groups, and each leader copies the result back to its members: no replica crosses the host
// bus, and no copy of it is made in host memory. Through host, every replica is downloaded, summed in
// double in worker order and uploaded again: any mix of backends works (a CPU worker beside GPU ones,
// GPUs that no collective joins). Both routes sum the models and the dense gradients in double and
// round once (Backend::weighted_sum), so they agree on those; merge momentum and the sparse gradient
// rows are float arithmetic in another order on each.

#include <span>
#include <string>
#include <vector>

#include "core/fleet/worker.h"

namespace tb {

class DeviceCollective;
class ProcessGroup;

enum class CombineRoute { through_host, in_place };

struct FleetMemoryPlan {
    CombineRoute route = CombineRoute::through_host;
    // Worker indices grouped by memory domain, groups in order of their first worker; the first index
    // of each group is its leader. Filled for both routes.
    std::vector<std::vector<int>> groups;
    // Joins the groups' leaders in place; needed only when there are several groups.
    DeviceCollective* collective = nullptr;
    // A distributed run. Through host: each rank sums its own workers in double and the ranks' sums are
    // joined by the process group's all-reduce in double. In place: `groups` holds this rank's workers
    // only, and `collective` joins every rank's leaders in device memory (NCCL across GPUs); row-sparse
    // segments still meet through host memory and the process group.
    ProcessGroup* across_ranks = nullptr;
    // Why this route: shown in the run's log, so a slow merge can be traced to its cause.
    std::string reason;
};

// The plan a run uses: in place when no worker's memory domain is empty and the groups are one, or
// several that one collective joins; through host otherwise.
FleetMemoryPlan plan_fleet_memory(const std::vector<Worker>& workers);
// The same decision from what the workers' backends report: domains[i] and collectives[i] are worker
// i's Backend::memory_domain() and Backend::device_collective().
FleetMemoryPlan plan_fleet_memory(std::span<const std::string> domains, std::span<DeviceCollective* const> collectives);

// Every worker in one group and the route asked for, whatever the backends report: for tests and
// benchmarks that compare the routes on one fleet.
FleetMemoryPlan single_group_plan(const std::vector<Worker>& workers, CombineRoute route);

}  // namespace tb
