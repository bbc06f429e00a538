#pragma once
// Which rank of a distributed run owns which fleet device. A device that names a host
// (fleet.devices[].host) goes to a rank on that host; the devices of one host are dealt to its ranks in
// rank order, in contiguous blocks, so a host with one rank and several devices trains them all in that
// rank. Without hosts the devices are dealt to all ranks in rank order the same way. Every rank must own
// at least one device: a rank left idle is a launch mistake (too many processes), refused with an error
// that says how many devices and ranks there are.

#include <string>
#include <vector>

#include "core/session/fleet_config.h"

namespace tb {

// rank_hosts: the host name of every rank, by rank. Returns the owning rank of every device. Throws
// ConfigError when a device names a host no rank runs on, when only some devices name hosts, or when a
// rank would own no device.
std::vector<int> assign_devices_to_ranks(const std::vector<DeviceSpec>& devices, const std::vector<std::string>& rank_hosts);

}  // namespace tb
