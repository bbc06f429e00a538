#include "core/fleet/fleet_memory_plan.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace tb {

FleetMemoryPlan plan_fleet_memory(const std::vector<Worker>& workers) {
    std::vector<std::string> domains;
    std::vector<DeviceCollective*> collectives;
    for (const Worker& worker : workers) {
        domains.push_back(worker.backend->memory_domain());
        collectives.push_back(worker.backend->device_collective());
    }
    return plan_fleet_memory(domains, collectives);
}

FleetMemoryPlan plan_fleet_memory(std::span<const std::string> domains, std::span<DeviceCollective* const> collectives) {
    if (domains.size() != collectives.size()) throw std::invalid_argument("one collective entry per memory domain is needed");
    FleetMemoryPlan plan;
    std::vector<std::string> group_domains;
    for (std::size_t i = 0; i < domains.size(); ++i) {
        // An empty domain is reachable by no other backend: it stands alone.
        const auto found = domains[i].empty() ? group_domains.end()
                                              : std::find(group_domains.begin(), group_domains.end(), domains[i]);
        if (found == group_domains.end()) {
            group_domains.push_back(domains[i]);
            plan.groups.push_back({static_cast<int>(i)});
        } else {
            plan.groups[static_cast<std::size_t>(found - group_domains.begin())].push_back(static_cast<int>(i));
        }
    }

    if (domains.size() < 2) {
        plan.reason = "one worker: nothing to combine";
        return plan;
    }
    for (const std::string& domain : group_domains) {
        if (domain.empty()) {
            plan.reason = "a backend whose memory no other backend reaches: combining through host memory";
            return plan;
        }
    }
    if (plan.groups.size() == 1) {
        plan.route = CombineRoute::in_place;
        plan.reason = "every replica in " + (group_domains.front() == "host" ? std::string("host memory")
                                                                              : "the memory of " + group_domains.front()) +
                      ": combining them in place";
        return plan;
    }
    DeviceCollective* const collective = collectives[static_cast<std::size_t>(plan.groups.front().front())];
    for (const std::vector<int>& group : plan.groups) {
        if (collective == nullptr || collectives[static_cast<std::size_t>(group.front())] != collective) {
            plan.reason = "memories that no one collective joins (" + std::to_string(plan.groups.size()) +
                          " groups): combining through host memory";
            return plan;
        }
    }
    plan.route = CombineRoute::in_place;
    plan.collective = collective;
    plan.reason = "replicas on " + std::to_string(plan.groups.size()) +
                  " devices: summing within each device, then across them with the device collective";
    return plan;
}

FleetMemoryPlan single_group_plan(const std::vector<Worker>& workers, CombineRoute route) {
    FleetMemoryPlan plan;
    plan.route = route;
    plan.groups.emplace_back(workers.size());
    std::iota(plan.groups.front().begin(), plan.groups.front().end(), 0);
    plan.reason = "one group, as asked";
    return plan;
}

}  // namespace tb
