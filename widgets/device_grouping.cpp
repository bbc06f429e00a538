#include "widgets/device_grouping.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>

#include "core/config/config_reader.h"
#include "core/topology/topology_config.h"

namespace tb::widgets {

namespace {

std::string devices_in(std::size_t count) {
    return "(" + std::to_string(count) + (count == 1 ? " device)" : " devices)");
}

std::string speed_text(double speed) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2g", speed);
    std::string shown = text;
    // "1" reads as a count; a speed is a fraction of full speed.
    if (shown.find_first_of(".e") == std::string::npos) shown += ".0";
    return shown;
}

}  // namespace

std::vector<DeviceGroup> group_by_speed(const std::vector<DeviceState>& devices) {
    std::map<double, std::vector<int>> by_speed;
    for (std::size_t i = 0; i < devices.size(); ++i) by_speed[devices[i].speed].push_back(static_cast<int>(i));
    std::vector<DeviceGroup> groups;
    if (by_speed.size() <= most_speed_classes) {
        // Fastest first: the legend and the series list read from full speed down.
        for (auto it = by_speed.rbegin(); it != by_speed.rend(); ++it) {
            groups.push_back({"speed " + speed_text(it->first) + " " + devices_in(it->second.size()), it->second});
        }
        return groups;
    }
    const double slowest = by_speed.begin()->first;
    const double fastest = by_speed.rbegin()->first;
    const double width = (fastest - slowest) / static_cast<double>(most_speed_classes);
    std::vector<std::vector<int>> bins(most_speed_classes);
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const auto bin = static_cast<std::size_t>(std::floor((devices[i].speed - slowest) / width));
        bins[std::min(bin, most_speed_classes - 1)].push_back(static_cast<int>(i));
    }
    for (std::size_t bin = most_speed_classes; bin-- > 0;) {
        if (bins[bin].empty()) continue;
        const double low = slowest + width * static_cast<double>(bin);
        groups.push_back({"speed " + speed_text(low) + "-" + speed_text(low + width) + " " + devices_in(bins[bin].size()),
                          bins[bin]});
    }
    return groups;
}

std::vector<DeviceGroup> group_by_neighbourhood(const Topology& topology, const std::vector<DeviceState>& devices) {
    const auto known = std::min(devices.size(), static_cast<std::size_t>(topology.node_count()));
    constexpr std::size_t unplaced = static_cast<std::size_t>(-1);
    std::vector<std::size_t> group_of(known, unplaced);
    std::vector<std::size_t> centres;
    // Centres whose whole neighbourhood is still free, in device order: the groups do not overlap.
    for (std::size_t centre = 0; centre < known; ++centre) {
        const std::vector<int>& neighbours = topology.neighbours(static_cast<int>(centre));
        const bool free = group_of[centre] == unplaced &&
                          std::all_of(neighbours.begin(), neighbours.end(), [&](int n) { return group_of[static_cast<std::size_t>(n)] == unplaced; });
        if (!free) continue;
        group_of[centre] = centres.size();
        for (int neighbour : neighbours) group_of[static_cast<std::size_t>(neighbour)] = centres.size();
        centres.push_back(centre);
    }
    std::vector<std::size_t> sizes(centres.size(), 0);
    for (std::size_t group : group_of) {
        if (group != unplaced) ++sizes[group];
    }
    // The rest join the smallest group among their neighbours', so that groups stay alike in size; the
    // graph is connected, so every device finds one.
    for (bool placed_any = true; placed_any;) {
        placed_any = false;
        for (std::size_t device = 0; device < known; ++device) {
            if (group_of[device] != unplaced) continue;
            for (int neighbour : topology.neighbours(static_cast<int>(device))) {
                const std::size_t group = group_of[static_cast<std::size_t>(neighbour)];
                if (group != unplaced && (group_of[device] == unplaced || sizes[group] < sizes[group_of[device]])) {
                    group_of[device] = group;
                }
            }
            if (group_of[device] == unplaced) continue;
            ++sizes[group_of[device]];
            placed_any = true;
        }
    }
    std::vector<DeviceGroup> groups(centres.size());
    DeviceGroup rest;
    for (std::size_t device = 0; device < devices.size(); ++device) {
        const bool inside = device < known && group_of[device] != unplaced;
        (inside ? groups[group_of[device]] : rest).members.push_back(static_cast<int>(device));
    }
    for (std::size_t group = 0; group < groups.size(); ++group) {
        groups[group].name = "around " + devices[centres[group]].name + " " + devices_in(groups[group].members.size());
    }
    if (!rest.members.empty()) {
        rest.name = "outside the topology " + devices_in(rest.members.size());
        groups.push_back(rest);
    }
    return groups;
}

std::optional<Topology> run_topology(const nlohmann::json& config, std::size_t devices) {
    if (devices == 0 || !config.is_object() || !config.contains("method")) return std::nullopt;
    const nlohmann::json& method = config.at("method");
    if (!method.is_object() || !method.contains("topology") || !method.at("topology").is_object()) return std::nullopt;
    try {
        const TopologyConfig topology = parse_topology_config(ConfigReader(method.at("topology"), "method.topology"));
        return build_topology(topology, static_cast<int>(devices), "method.topology");
    } catch (const std::exception&) {
        // The run itself reported any error in its topology; here it only means no neighbourhoods to offer.
        return std::nullopt;
    }
}

}  // namespace tb::widgets
