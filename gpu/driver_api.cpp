#include "gpu/driver_api.h"

#include <cuda_runtime_api.h>

namespace tb::gpu {
namespace {

// Green contexts appeared in the CUDA 12.4 driver; asking for that ABI version keeps the signatures
// the declarations in cuda.h describe.
constexpr unsigned int green_context_driver_version = 12040;

template <typename Function>
void load(const char* symbol, Function& function, DriverApi& api) {
    void* address = nullptr;
    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
    const cudaError_t status =
        cudaGetDriverEntryPointByVersion(symbol, &address, green_context_driver_version, cudaEnableDefault, &found);
    if (status != cudaSuccess || found != cudaDriverEntryPointSuccess || address == nullptr) {
        if (api.unavailable_reason.empty()) {
            api.unavailable_reason =
                status != cudaSuccess
                    ? std::string("the CUDA driver cannot be reached (") + cudaGetErrorName(status) + ": " +
                          cudaGetErrorString(status) + ")"
                    : std::string("the CUDA driver has no ") + symbol + " (green contexts need driver 12.4 or newer)";
        }
        return;
    }
    function = reinterpret_cast<Function>(address);
}

DriverApi load_driver_api() {
    DriverApi api;
    load("cuGetErrorName", api.get_error_name, api);
    load("cuGetErrorString", api.get_error_string, api);
    load("cuDeviceGet", api.device_get, api);
    load("cuDeviceGetDevResource", api.device_get_dev_resource, api);
    load("cuDevSmResourceSplitByCount", api.dev_sm_resource_split_by_count, api);
    load("cuDevResourceGenerateDesc", api.dev_resource_generate_desc, api);
    load("cuGreenCtxCreate", api.green_ctx_create, api);
    load("cuGreenCtxDestroy", api.green_ctx_destroy, api);
    load("cuGreenCtxStreamCreate", api.green_ctx_stream_create, api);
    load("cuStreamDestroy", api.stream_destroy, api);
    return api;
}

}  // namespace

const DriverApi& driver_api() {
    static const DriverApi api = load_driver_api();
    return api;
}

std::string driver_status_name(CUresult status) {
    const char* name = nullptr;
    const DriverApi& api = driver_api();
    if (api.get_error_name != nullptr && api.get_error_name(status, &name) == CUDA_SUCCESS && name != nullptr) {
        return name;
    }
    return "CUresult " + std::to_string(static_cast<int>(status));
}

std::string driver_status_description(CUresult status) {
    const char* description = nullptr;
    const DriverApi& api = driver_api();
    if (api.get_error_string != nullptr && api.get_error_string(status, &description) == CUDA_SUCCESS &&
        description != nullptr) {
        return description;
    }
    return "no description: the driver is not available";
}

}  // namespace tb::gpu
