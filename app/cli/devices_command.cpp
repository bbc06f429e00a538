#include "app/cli/devices_command.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#ifdef TB_HAVE_CUDA
#include "gpu/cuda_device_list.h"
#include "gpu/driver_api.h"
#endif

namespace tb::cli {

namespace {

std::string cpu_model_name() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            const std::size_t colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
        }
    }
    return "unknown processor";
}

}  // namespace

int run_devices_command() {
    std::printf("cpu: %s, %u hardware threads (backend cpu, OpenBLAS)\n", cpu_model_name().c_str(),
                std::thread::hardware_concurrency());
#ifdef TB_HAVE_CUDA
    const gpu::CudaDeviceList list = gpu::list_cuda_devices();
    if (list.devices.empty()) {
        std::printf("no GPU found: %s\n", list.reason.c_str());
        return 0;
    }
    // Green contexts need a 12.4 driver and its partition entry points; say which one is missing.
    const gpu::DriverApi& driver = gpu::driver_api();
    const std::string green_contexts =
        !list.green_contexts_available() ? std::string("not available (driver older than 12.4)")
        : driver.green_contexts_available() ? std::string("available (device sm_count partitions a GPU)")
                                            : "not available (" + driver.unavailable_reason + ")";
    std::printf("CUDA driver %d.%d, runtime %d.%d; green contexts %s\n", list.driver_version / 1000,
                (list.driver_version % 1000) / 10, list.runtime_version / 1000, (list.runtime_version % 1000) / 10,
                green_contexts.c_str());
    for (const gpu::CudaDeviceInfo& device : list.devices) {
        std::printf("cuda:%d  %s  %d SMs  %.1f GiB  compute capability %d.%d\n", device.index, device.name.c_str(),
                    device.sm_count, static_cast<double>(device.memory_bytes) / (1024.0 * 1024.0 * 1024.0),
                    device.compute_major, device.compute_minor);
    }
#else
    std::printf("no GPU found: this build has no CUDA backend (nvcc was not found when it was configured)\n");
#endif
    return 0;
}

}  // namespace tb::cli
