#pragma once
// One family of checks for every status type the CUDA backend meets: the runtime (cudaError_t), the
// driver (CUresult), cuBLAS, cuSPARSE and NCCL. A failure throws tb::DeviceError naming the file, the
// line, the failing call as written and the library's own name and description of the status, so that
// an error seen in the GUI or the CLI points straight at the call that failed.
//
//     TB_GPU_CHECK(cudaMemcpyAsync(...));
//     TB_GPU_CHECK(cublasSgemm(...));

#include <cublas_v2.h>
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <cusparse.h>
#include <nccl.h>

namespace tb::gpu {

// Throws DeviceError("<file>:<line>: <expression> failed: <status_name> (<description>)").
[[noreturn]] void throw_gpu_failure(const char* expression, const char* file, int line, const char* status_name,
                                    const char* description);

[[noreturn]] void throw_runtime_failure(cudaError_t status, const char* expression, const char* file, int line);
[[noreturn]] void throw_driver_failure(CUresult status, const char* expression, const char* file, int line);
[[noreturn]] void throw_cublas_failure(cublasStatus_t status, const char* expression, const char* file, int line);
[[noreturn]] void throw_cusparse_failure(cusparseStatus_t status, const char* expression, const char* file, int line);
[[noreturn]] void throw_nccl_failure(ncclResult_t status, const char* expression, const char* file, int line);

// The success test stays inline so that a check costs one comparison on the hot path.
inline void check_gpu_status(cudaError_t status, const char* expression, const char* file, int line) {
    if (status != cudaSuccess) throw_runtime_failure(status, expression, file, line);
}
inline void check_gpu_status(CUresult status, const char* expression, const char* file, int line) {
    if (status != CUDA_SUCCESS) throw_driver_failure(status, expression, file, line);
}
inline void check_gpu_status(cublasStatus_t status, const char* expression, const char* file, int line) {
    if (status != CUBLAS_STATUS_SUCCESS) throw_cublas_failure(status, expression, file, line);
}
inline void check_gpu_status(cusparseStatus_t status, const char* expression, const char* file, int line) {
    if (status != CUSPARSE_STATUS_SUCCESS) throw_cusparse_failure(status, expression, file, line);
}
inline void check_gpu_status(ncclResult_t status, const char* expression, const char* file, int line) {
    if (status != ncclSuccess) throw_nccl_failure(status, expression, file, line);
}

}  // namespace tb::gpu

#define TB_GPU_CHECK(call) ::tb::gpu::check_gpu_status((call), #call, __FILE__, __LINE__)
// A kernel launch reports a bad configuration only through the runtime's last error.
#define TB_GPU_CHECK_LAUNCH() ::tb::gpu::check_gpu_status(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
