#pragma once
// Launchers for the row copies and the lazy row update (row_kernels.cu): a table's rows lent to a batch
// by an index array in device memory, and the row optimizer's step on the records a batch touched.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/backend/row_optimizer.h"
#include "core/backend/views.h"

namespace tb::gpu {

void launch_gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out, cudaStream_t stream);
void launch_scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination, cudaStream_t stream);
void launch_lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                            const RowOptimizerSettings& settings, cudaStream_t stream);

}  // namespace tb::gpu
