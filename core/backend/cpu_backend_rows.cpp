// The CPU backend's row copies and its lazy row update: a table's rows lent to a batch by index, and the
// row optimizer's step on the records a batch touched.

#include <algorithm>

#include "core/backend/cpu_backend.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {

void CpuBackend::gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out) {
    check_gather_rows_arguments(source, rows, out);
    if (out.size() == 0) return;
    const std::int64_t source_stride = source.row_stride();
    const std::int64_t out_stride = out.row_stride();
    const int threads = threads_for(out.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t i = 0; i < out.rows; ++i) {
        std::copy_n(source.data + rows[i] * source_stride, out.cols, out.data + i * out_stride);
    }
}

void CpuBackend::scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination) {
    check_scatter_rows_arguments(in, rows, destination);
    if (in.size() == 0) return;
    const std::int64_t in_stride = in.row_stride();
    const std::int64_t destination_stride = destination.row_stride();
    const int threads = threads_for(in.size());
    // The listed rows are distinct, so threads never write the same row.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t i = 0; i < in.rows; ++i) {
        std::copy_n(in.data + i * in_stride, in.cols, destination.data + rows[i] * destination_stride);
    }
}

void CpuBackend::lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                                 const RowOptimizerSettings& settings) {
    check_lazy_row_update_arguments(records, rows, gradient, settings);
    if (gradient.size() == 0) return;
    const auto dim = static_cast<int>(gradient.cols);
    // A record is 16 to 200 floats: a thread takes many, and the listed records are distinct.
    const int threads = threads_for(gradient.size() * 4);
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t i = 0; i < gradient.rows; ++i) {
        update_row(settings, dim, records.data + static_cast<std::int64_t>(rows[i]) * records.cols, gradient.data + i * dim);
    }
}

}  // namespace tb
