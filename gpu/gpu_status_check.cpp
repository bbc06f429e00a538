#include "gpu/gpu_status_check.h"

#include <string>

#include "core/errors.h"
#include "gpu/driver_api.h"

namespace tb::gpu {

void throw_gpu_failure(const char* expression, const char* file, int line, const char* status_name,
                       const char* description) {
    throw DeviceError(std::string(file) + ":" + std::to_string(line) + ": " + expression + " failed: " + status_name +
                      " (" + description + ")");
}

void throw_runtime_failure(cudaError_t status, const char* expression, const char* file, int line) {
    throw_gpu_failure(expression, file, line, cudaGetErrorName(status), cudaGetErrorString(status));
}

void throw_driver_failure(CUresult status, const char* expression, const char* file, int line) {
    throw_gpu_failure(expression, file, line, driver_status_name(status).c_str(),
                      driver_status_description(status).c_str());
}

void throw_cublas_failure(cublasStatus_t status, const char* expression, const char* file, int line) {
    throw_gpu_failure(expression, file, line, cublasGetStatusName(status), cublasGetStatusString(status));
}

void throw_cusparse_failure(cusparseStatus_t status, const char* expression, const char* file, int line) {
    throw_gpu_failure(expression, file, line, cusparseGetErrorName(status), cusparseGetErrorString(status));
}

void throw_nccl_failure(ncclResult_t status, const char* expression, const char* file, int line) {
    throw_gpu_failure(expression, file, line, ("ncclResult " + std::to_string(static_cast<int>(status))).c_str(),
                      ncclGetErrorString(status));
}

}  // namespace tb::gpu
