#include "core/session/fleet_config.h"

#include "core/config/field_table.h"
#include "core/config/fleet_presets.h"

namespace tb {

const EnumNames<ClockKind>& run_clock_names() {
    static const EnumNames<ClockKind> names{{ClockKind::wall, "wall"}, {ClockKind::simulated, "simulated"}};
    return names;
}

const EnumNames<DeviceBackend>& device_backend_names() {
    static const EnumNames<DeviceBackend> names{{DeviceBackend::cpu, "cpu"}, {DeviceBackend::cuda, "cuda"}};
    return names;
}

DeviceSpec default_device(std::size_t index) {
    DeviceSpec device;
    device.name = "dev" + std::to_string(index);
    return device;
}

namespace {

const FieldTable<DeviceSpec>& device_fields() {
    static const FieldTable<DeviceSpec> table = [] {
        FieldTable<DeviceSpec> t;
        t.text("name", &DeviceSpec::name, "Name", "how plots, tables and the run store name the device (dev<i> when left out)")
            .check([](const DeviceSpec& device, const ConfigReader& reader) {
                if (device.name.empty()) reader.fail("name", "is empty: name the device, or leave the key out for dev<i>");
            });
        t.text("host", &DeviceSpec::host, "Host",
               "distributed runs: the host whose rank trains this device (trainbench-cli run --distributed); "
               "left out on every device, devices go to ranks in rank order")
            .written_only_when([](const DeviceSpec& device) { return !device.host.empty(); });
        t.choice("backend", &DeviceSpec::backend, device_backend_names(), "Backend",
                 "cpu trains on this machine's cores; cuda on an NVIDIA GPU");
        t.integer("gpu_index", &DeviceSpec::gpu_index, "GPU", SettingRange::at_least(0),
                  "which GPU a cuda device trains on (CUDA's device numbering)");
        t.integer("sm_count", &DeviceSpec::sm_count, "SMs (0 = all)", SettingRange::at_least(0),
                  "streaming multiprocessors of a green-context partition of the GPU; 0 uses the whole GPU");
        t.number("speed", &DeviceSpec::speed, "Speed", SettingRange::between(0.001, 1000.0),
                 "relative speed, 1.0 = full: a slower device is emulated (its work takes 1/speed as long)");
        t.json_object(
             "speed_variation",
             [](ConfigReader& reader, DeviceSpec& device) {
                 if (reader.has("speed_variation")) device.speed_variation = parse_speed_variation(reader.object("speed_variation"));
             },
             [](const DeviceSpec& device) { return to_json(device.speed_variation); }, "Speed variation",
             "how the speed moves during the run: {\"kind\": \"random_walk\"|\"throttle\"|\"trace\", ...} "
             "(constant when left out)")
            .written_only_when([](const DeviceSpec& device) { return device.speed_variation.varies(); });
        t.number("memory_limit_gb", &DeviceSpec::memory_limit_gb, "Memory limit (GB)", SettingRange::at_least(0),
                 "device memory the run may use; exceeding it fails the run naming the allocation (0: no limit)");
        t.flag("allow_tf32", &DeviceSpec::allow_tf32, "TF32",
               "TF32 tensor cores for a cuda device's GEMMs: 10-bit mantissa products, FP32 accumulation")
            .check([](const DeviceSpec& device, const ConfigReader& reader) {
                if (device.allow_tf32 && device.backend != DeviceBackend::cuda) {
                    reader.fail("allow_tf32", "is a mode of NVIDIA tensor cores; it applies to cuda devices only");
                }
            });
        t.number("peak_gflops", &DeviceSpec::peak_gflops, "Peak GFLOP/s", SettingRange::above(0),
                 "simulated clock: arithmetic rate of the device (default: a V100 PCIe's 14 TFLOP/s FP32)");
        t.number("memory_gbs", &DeviceSpec::memory_gbs, "Memory GB/s", SettingRange::above(0),
                 "simulated clock: memory bandwidth (default: a V100's 900 GB/s HBM2)");
        t.number("link_gbs", &DeviceSpec::link_gbs, "Link GB/s", SettingRange::above(0),
                 "simulated clock: host link bandwidth for model exchange (default: PCIe 3.0 x16, about 12 GB/s)");
        t.number("link_latency_us", &DeviceSpec::link_latency_us, "Link latency (us)", SettingRange::at_least(0),
                 "simulated clock: latency of one transfer over the host link");
        t.number("launch_overhead_us", &DeviceSpec::launch_overhead_us, "Launch overhead (us)",
                 SettingRange::at_least(0), "simulated clock: fixed cost of each kernel launch");
        return t;
    }();
    return table;
}

void require_distinct_names(const FleetConfig& fleet, const ConfigReader& reader) {
    // Given but empty, the list is a mistake to name, not to replace with a default device.
    if (fleet.devices.empty()) {
        reader.fail("devices", "is empty: name at least one device, or leave the key out for one CPU device");
    }
    for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (fleet.devices[i].name == fleet.devices[j].name) {
                reader.fail("devices[" + std::to_string(i) + "].name",
                            "repeats the name '" + fleet.devices[i].name + "' of devices[" + std::to_string(j) + "]");
            }
        }
    }
}

const FieldTable<FleetConfig>& fleet_fields() {
    static const FieldTable<FleetConfig> table = [] {
        FieldTable<FleetConfig> t;
        t.choice("clock", &FleetConfig::clock, run_clock_names(), "Clock",
                 "wall: time as measured; simulated: each device's work costed by its cost model, so a fleet of "
                 "GPUs can be studied on any machine");
        t.number("sample_every_s", &FleetConfig::sample_every_s, "Sample every (s)", SettingRange::between(1e-6, 0.5),
                 "run-clock seconds between two samples of a device's throughput and batch size");
        t.object_list("devices", &FleetConfig::devices, device_fields(), default_device, "Devices",
                      "the devices that train, one row each")
            .check(require_distinct_names);
        return t;
    }();
    return table;
}

}  // namespace

FleetConfig parse_fleet_config(ConfigReader reader) {
    FleetConfig config;
    if (reader.has("preset")) {
        // The preset's fleet is the starting point; the keys given beside it override its keys.
        const std::string name = reader.get_string("preset", "");
        const std::string key_path = reader.key_path("preset");
        // Errors inside the preset name it: "fleet.preset=v100x4.devices[2].speed must be ...".
        ConfigReader preset(read_fleet_preset(name, key_path), key_path + "=" + name);
        fleet_fields().read(preset, config);
        preset.finish();
        config.preset = name;
    }
    fleet_fields().read(reader, config);
    reader.finish();
    return config;
}

nlohmann::json to_json(const FleetConfig& config) { return fleet_fields().to_json(config); }

SettingsForm fleet_settings_form(const FleetConfig& config) { return fleet_fields().form(config, FleetConfig{}); }

}  // namespace tb
