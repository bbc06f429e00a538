#pragma once
// The `fleet` section of a run config: the clock and the device specs, each declared once in a field
// table (parsing with the key path in every error, to_json, defaults, ranges, and the editor's device
// table, whose columns are the device fields). A partial device spec gets defaults (name dev<i>,
// backend cpu, speed 1.0); the simulated clock's cost-model figures default to a PCIe server of
// V100-class GPUs, as in the Adaptive SGD paper's testbed. Left out, the fleet is one CPU device.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/enum_names.h"
#include "core/config/setting_description.h"
#include "core/session/speed_variation.h"

namespace tb {

// wall: the run clock is the wall clock; simulated: each device's work is costed by its model below.
enum class ClockKind { wall, simulated };
enum class DeviceBackend { cpu, cuda };

const EnumNames<ClockKind>& run_clock_names();
const EnumNames<DeviceBackend>& device_backend_names();

struct DeviceSpec {
    std::string name;
    // Distributed runs: the host of the rank that trains this device (core/fleet/rank_assignment.h);
    // empty: devices go to ranks in rank order.
    std::string host;
    DeviceBackend backend = DeviceBackend::cpu;
    int gpu_index = 0;
    int sm_count = 0;  // 0: the whole GPU; otherwise a green-context partition of that many SMs
    double speed = 1.0;  // relative to full speed
    SpeedVariation speed_variation;  // how the speed moves during the run (constant by default)
    double memory_limit_gb = 0;  // 0: no limit
    // cuda devices: TF32 tensor cores for the GEMMs (10-bit mantissa products, FP32 accumulation).
    bool allow_tf32 = false;
    // Simulated clock cost model (NVIDIA V100 PCIe data sheet: 14 TFLOP/s FP32, 900 GB/s HBM2; PCIe 3.0
    // x16 about 12 GB/s in practice).
    double peak_gflops = 14000;
    double memory_gbs = 900;
    double link_gbs = 12;
    double link_latency_us = 10;
    double launch_overhead_us = 20;

    bool is_cpu() const { return backend == DeviceBackend::cpu; }
    const std::string& backend_name() const { return device_backend_names().name(backend); }
};

// The device a config that names none gets at position `index`: all defaults, named dev<index>.
DeviceSpec default_device(std::size_t index);

struct FleetConfig {
    ClockKind clock = ClockKind::wall;
    // Run-clock seconds between two DeviceSample events of a worker. A simulated fleet of V100-class
    // devices finishes a small data set's epoch in milliseconds, so its presets sample far more often.
    double sample_every_s = 0.5;
    std::vector<DeviceSpec> devices = {default_device(0)};  // at least one
    // The fleet preset the section started from (core/config/fleet_presets.h), or empty. Not written back:
    // the written fleet holds every device as the preset gave it.
    std::string preset;

    bool simulated() const { return clock == ClockKind::simulated; }
};

FleetConfig parse_fleet_config(ConfigReader reader);
nlohmann::json to_json(const FleetConfig& config);
// {"preset": NAME, ...} starts from a shipped fleet (core/config/fleet_presets.h), the other keys
// overriding it.
// clock, sample_every_s and devices (an object_list whose record fields are the device table's columns).
SettingsForm fleet_settings_form(const FleetConfig& config);

}  // namespace tb
