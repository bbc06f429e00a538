#include "gpu/cuda_device_list.h"

#include <cuda_runtime_api.h>

namespace tb::gpu {

CudaDeviceList list_cuda_devices() {
    CudaDeviceList list;
    cudaRuntimeGetVersion(&list.runtime_version);
    if (cudaDriverGetVersion(&list.driver_version) != cudaSuccess) list.driver_version = 0;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        list.reason = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
        if (list.driver_version == 0) list.reason = "no NVIDIA driver is installed (" + list.reason + ")";
        return list;
    }
    if (count == 0) {
        list.reason = "the driver reports no CUDA device";
        return list;
    }
    for (int index = 0; index < count; ++index) {
        cudaDeviceProp properties{};
        if (cudaGetDeviceProperties(&properties, index) != cudaSuccess) continue;
        list.devices.push_back({index, properties.name, properties.multiProcessorCount,
                                static_cast<std::int64_t>(properties.totalGlobalMem), properties.major,
                                properties.minor});
    }
    return list;
}

}  // namespace tb::gpu
