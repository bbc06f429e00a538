// The CUDA backend's row copies and lazy row update: argument checks shared with the CPU backend, then
// one kernel on the backend's stream (gpu/kernels/row_kernels.cu).

#include "core/backend/operation_shape_checks.h"
#include "gpu/cuda_backend.h"
#include "gpu/kernels/row_kernels.h"

namespace tb::gpu {

void CudaBackend::gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out) {
    check_gather_rows_arguments(source, rows, out);
    activate();
    launch_gather_rows(source, rows, out, stream_);
}

void CudaBackend::scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination) {
    check_scatter_rows_arguments(in, rows, destination);
    activate();
    launch_scatter_rows(in, rows, destination, stream_);
}

void CudaBackend::lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                                  const RowOptimizerSettings& settings) {
    check_lazy_row_update_arguments(records, rows, gradient, settings);
    activate();
    launch_lazy_row_update(records, rows, gradient, settings, stream_);
}

}  // namespace tb::gpu
