#pragma once
// The `fleet` section of a run config: the clock and the device specs. A partial device spec gets
// defaults (name dev<i>, backend cpu, speed 1.0); the simulated clock's cost-model figures default to a
// PCIe server of V100-class GPUs, as in the Adaptive SGD paper's testbed.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"

namespace tb {

struct DeviceSpec {
    std::string name;
    std::string backend = "cpu";  // cpu | cuda
    int gpu_index = 0;
    int sm_count = 0;  // 0: the whole GPU; otherwise a green-context partition of that many SMs
    double speed = 1.0;  // relative to full speed
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
};

struct FleetConfig {
    std::string clock = "wall";  // wall | simulated
    // Run-clock seconds between two DeviceSample events of a worker. A simulated fleet of V100-class
    // devices finishes a small data set's epoch in milliseconds, so its presets sample far more often.
    double sample_every_s = 0.5;
    std::vector<DeviceSpec> devices;  // at least one
};

FleetConfig parse_fleet_config(ConfigReader reader);
nlohmann::json to_json(const FleetConfig& config);

}  // namespace tb
