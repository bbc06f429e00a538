#include "core/session/fleet_config.h"

namespace tb {

namespace {

DeviceSpec parse_device(ConfigReader reader, std::size_t index) {
    DeviceSpec device;
    device.name = reader.get_string("name", "dev" + std::to_string(index));
    device.backend = reader.get_choice("backend", device.backend, {"cpu", "cuda"});
    device.gpu_index = static_cast<int>(reader.get_integer("gpu_index", device.gpu_index));
    reader.require_non_negative("gpu_index", device.gpu_index);
    device.sm_count = static_cast<int>(reader.get_integer("sm_count", device.sm_count));
    reader.require_non_negative("sm_count", device.sm_count);
    device.speed = reader.get_number("speed", device.speed);
    reader.require_range("speed", device.speed, 0.001, 1000.0);
    device.memory_limit_gb = reader.get_number("memory_limit_gb", device.memory_limit_gb);
    reader.require_non_negative("memory_limit_gb", device.memory_limit_gb);
    device.allow_tf32 = reader.get_bool("allow_tf32", device.allow_tf32);
    if (device.allow_tf32 && device.backend != "cuda") {
        reader.fail("allow_tf32", "is a mode of NVIDIA tensor cores; it applies to cuda devices only");
    }
    device.peak_gflops = reader.get_number("peak_gflops", device.peak_gflops);
    reader.require_positive("peak_gflops", device.peak_gflops);
    device.memory_gbs = reader.get_number("memory_gbs", device.memory_gbs);
    reader.require_positive("memory_gbs", device.memory_gbs);
    device.link_gbs = reader.get_number("link_gbs", device.link_gbs);
    reader.require_positive("link_gbs", device.link_gbs);
    device.link_latency_us = reader.get_number("link_latency_us", device.link_latency_us);
    reader.require_non_negative("link_latency_us", device.link_latency_us);
    device.launch_overhead_us = reader.get_number("launch_overhead_us", device.launch_overhead_us);
    reader.require_non_negative("launch_overhead_us", device.launch_overhead_us);
    reader.finish();
    return device;
}

}  // namespace

FleetConfig parse_fleet_config(ConfigReader reader) {
    FleetConfig config;
    config.clock = reader.get_choice("clock", config.clock, {"wall", "simulated"});
    config.sample_every_s = reader.get_number("sample_every_s", config.sample_every_s);
    reader.require_range("sample_every_s", config.sample_every_s, 1e-6, 0.5);
    if (reader.has("devices") && reader.raw("devices").is_array() && reader.raw("devices").empty()) {
        // Left out, the fleet is one CPU device; given but empty, it is a mistake to name, not to replace.
        reader.fail("devices", "is empty: name at least one device, or leave the key out for one CPU device");
    }
    std::vector<ConfigReader> devices = reader.object_list("devices");
    for (std::size_t i = 0; i < devices.size(); ++i) config.devices.push_back(parse_device(devices[i], i));
    if (config.devices.empty()) config.devices.push_back(parse_device(ConfigReader(nlohmann::json::object(), ""), 0));
    for (std::size_t i = 0; i < config.devices.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (config.devices[i].name == config.devices[j].name) {
                reader.fail("devices[" + std::to_string(i) + "].name",
                            "repeats the name '" + config.devices[i].name + "' of devices[" + std::to_string(j) + "]");
            }
        }
    }
    reader.finish();
    return config;
}

nlohmann::json to_json(const FleetConfig& config) {
    nlohmann::json devices = nlohmann::json::array();
    for (const DeviceSpec& d : config.devices) {
        devices.push_back({{"name", d.name},
                           {"backend", d.backend},
                           {"gpu_index", d.gpu_index},
                           {"sm_count", d.sm_count},
                           {"speed", d.speed},
                           {"memory_limit_gb", d.memory_limit_gb},
                           {"allow_tf32", d.allow_tf32},
                           {"peak_gflops", d.peak_gflops},
                           {"memory_gbs", d.memory_gbs},
                           {"link_gbs", d.link_gbs},
                           {"link_latency_us", d.link_latency_us},
                           {"launch_overhead_us", d.launch_overhead_us}});
    }
    return {{"clock", config.clock}, {"sample_every_s", config.sample_every_s}, {"devices", devices}};
}

}  // namespace tb
