#include "core/fleet/rank_assignment.h"

#include <map>

#include "core/errors.h"

namespace tb {

namespace {

// Deals `items` to `owners` in order, in contiguous blocks whose sizes differ by at most one.
std::vector<int> deal_in_blocks(const std::vector<int>& items, const std::vector<int>& owners, std::vector<int>& assignment) {
    const auto item_count = items.size();
    const auto owner_count = owners.size();
    for (std::size_t k = 0; k < item_count; ++k) {
        assignment[static_cast<std::size_t>(items[k])] = owners[k * owner_count / item_count];
    }
    return assignment;
}

}  // namespace

std::vector<int> assign_devices_to_ranks(const std::vector<DeviceSpec>& devices, const std::vector<std::string>& rank_hosts) {
    const auto ranks = static_cast<int>(rank_hosts.size());
    if (ranks == 0) throw std::logic_error("a distributed run needs at least one rank");
    std::vector<int> assignment(devices.size(), -1);
    std::size_t devices_with_host = 0;
    for (const DeviceSpec& device : devices) devices_with_host += device.host.empty() ? 0 : 1;

    if (devices_with_host == 0) {
        if (devices.size() < static_cast<std::size_t>(ranks)) {
            throw ConfigError("the run was started on " + std::to_string(ranks) + " ranks but fleet.devices has only " +
                              std::to_string(devices.size()) + " device" + (devices.size() == 1 ? "" : "s") +
                              ", which leaves ranks without a device; start at most " + std::to_string(devices.size()) +
                              " processes (mpirun -np " + std::to_string(devices.size()) + ")");
        }
        std::vector<int> items(devices.size());
        for (std::size_t i = 0; i < items.size(); ++i) items[i] = static_cast<int>(i);
        std::vector<int> owners(static_cast<std::size_t>(ranks));
        for (int r = 0; r < ranks; ++r) owners[static_cast<std::size_t>(r)] = r;
        return deal_in_blocks(items, owners, assignment);
    }
    if (devices_with_host != devices.size()) {
        for (std::size_t i = 0; i < devices.size(); ++i) {
            if (devices[i].host.empty()) {
                throw ConfigError("fleet.devices[" + std::to_string(i) + "].host is missing while other devices name their "
                                  "host; name the host of every device or of none (then devices go to ranks in rank order)");
            }
        }
    }
    std::map<std::string, std::vector<int>> ranks_of_host;
    for (int r = 0; r < ranks; ++r) ranks_of_host[rank_hosts[static_cast<std::size_t>(r)]].push_back(r);
    std::map<std::string, std::vector<int>> devices_of_host;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const std::string& host = devices[i].host;
        if (!ranks_of_host.contains(host)) {
            std::string known;
            for (const auto& [name, unused] : ranks_of_host) known += (known.empty() ? "" : ", ") + name;
            throw ConfigError("fleet.devices[" + std::to_string(i) + "].host is '" + host + "', but no rank runs there (the ranks run on " +
                              known + "); list that host in the mpirun host file or change the device's host");
        }
        devices_of_host[host].push_back(static_cast<int>(i));
    }
    for (const auto& [host, host_ranks] : ranks_of_host) {
        const auto found = devices_of_host.find(host);
        const std::size_t device_count = found == devices_of_host.end() ? 0 : found->second.size();
        if (device_count < host_ranks.size()) {
            throw ConfigError("host " + host + " runs " + std::to_string(host_ranks.size()) + " ranks but fleet.devices places " +
                              std::to_string(device_count) + " device" + (device_count == 1 ? "" : "s") +
                              " there, which leaves ranks without a device; start fewer processes on " + host);
        }
        deal_in_blocks(found->second, host_ranks, assignment);
    }
    return assignment;
}

}  // namespace tb
