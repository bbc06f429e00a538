#pragma once
// Which devices the dashboard's per-device plots draw together once a fleet is too large for one line
// per device: devices of one speed class, or one neighbourhood of the run's gossip topology. Each group
// is then drawn as its members' mean with a band from their minimum to their maximum.

#include <optional>
#include <string>
#include <vector>

#include "core/topology/topology.h"
#include "widgets/live_run_data.h"

namespace tb::widgets {

enum class DeviceGrouping { none, speed_class, topology_neighbourhood };

// Past this many devices the per-device plots are grouped unless the user chose otherwise: sixteen lines
// still tell apart in a legend of two columns, thirty-two do not.
constexpr std::size_t group_devices_above = 8;

struct DeviceGroup {
    std::string name;          // "speed 1.0 (8 devices)"
    std::vector<int> members;  // device indices, increasing
};

// Devices of equal configured speed share a class. A fleet whose speeds are nearly all distinct (a
// measured or randomly drawn fleet) would get a class per device, which groups nothing: past
// `most_speed_classes` distinct speeds, the speed range is cut into that many bins of equal width.
constexpr std::size_t most_speed_classes = 8;
std::vector<DeviceGroup> group_by_speed(const std::vector<DeviceState>& devices);

// Neighbourhoods that cover the topology once: in device order, each device whose neighbours are all
// still free becomes a centre, grouped with them (a ring falls into runs of three, a torus into crosses);
// a device left over joins the smallest of its neighbours' groups. Devices the topology does not know (a fleet larger than
// its graph) form one more group.
std::vector<DeviceGroup> group_by_neighbourhood(const Topology& topology, const std::vector<DeviceState>& devices);

// The gossip topology of a decentralized run, rebuilt from its config (method.topology) for its device
// count; nothing when the method has none or it cannot be rebuilt here (an edge-list file not found).
std::optional<Topology> run_topology(const nlohmann::json& config, std::size_t devices);

}  // namespace tb::widgets
