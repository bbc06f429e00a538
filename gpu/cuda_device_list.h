#pragma once
// The GPUs this machine offers to the CUDA backend, or why it offers none. Plain C++ header: callers
// need no CUDA headers.

#include <cstdint>
#include <string>
#include <vector>

namespace tb::gpu {

struct CudaDeviceInfo {
    int index = 0;
    std::string name;
    int sm_count = 0;
    std::int64_t memory_bytes = 0;
    int compute_major = 0;
    int compute_minor = 0;
};

struct CudaDeviceList {
    std::vector<CudaDeviceInfo> devices;
    int driver_version = 0;   // e.g. 12040 for 12.4; 0 when there is no driver
    int runtime_version = 0;
    std::string reason;       // why the list is empty (no driver, no device...)
    // Green contexts (SM partitions of one GPU) need a CUDA 12.4 driver or newer.
    bool green_contexts_available() const { return driver_version >= 12040 && !devices.empty(); }
};

CudaDeviceList list_cuda_devices();

}  // namespace tb::gpu
