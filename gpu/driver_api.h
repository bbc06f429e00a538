#pragma once
// The few CUDA driver API functions the backend needs (green contexts, driver error names), reached
// through the runtime's cudaGetDriverEntryPointByVersion instead of linking libcuda. The programs then
// start on a machine that has the CUDA libraries but no driver (a CI runner), and say why there is no
// GPU instead of failing to load.

#include <cuda.h>

#include <string>

namespace tb::gpu {

struct DriverApi {
    decltype(&::cuGetErrorName) get_error_name = nullptr;
    decltype(&::cuGetErrorString) get_error_string = nullptr;
    decltype(&::cuDeviceGet) device_get = nullptr;
    decltype(&::cuDeviceGetDevResource) device_get_dev_resource = nullptr;
    decltype(&::cuDevSmResourceSplitByCount) dev_sm_resource_split_by_count = nullptr;
    decltype(&::cuDevResourceGenerateDesc) dev_resource_generate_desc = nullptr;
    decltype(&::cuGreenCtxCreate) green_ctx_create = nullptr;
    decltype(&::cuGreenCtxDestroy) green_ctx_destroy = nullptr;
    decltype(&::cuGreenCtxStreamCreate) green_ctx_stream_create = nullptr;
    decltype(&::cuStreamDestroy) stream_destroy = nullptr;

    // Empty when every function was found; otherwise which one is missing and why.
    std::string unavailable_reason;
    bool green_contexts_available() const { return unavailable_reason.empty(); }
};

// Loaded once per process. Never throws: a missing driver shows up in unavailable_reason.
const DriverApi& driver_api();

// The driver's name for a status ("CUDA_ERROR_INVALID_VALUE"), or its number when the driver is absent.
std::string driver_status_name(CUresult status);
std::string driver_status_description(CUresult status);

}  // namespace tb::gpu
