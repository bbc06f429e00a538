#include "core/fleet/dense_gradient.h"

#include <algorithm>

namespace tb {

std::vector<float> download_dense_gradient(Worker& worker) {
    Gradients& gradients = worker.replica->gradients();
    const ArenaLayout& layout = worker.replica->parameters().layout();
    // Only the segments' ranges are copied: alignment padding, and the dense arena's part for a
    // row-sparse segment, are never written and stay zero here.
    const std::vector<float> arena = gradients.dense().download();
    std::vector<float> dense(arena.size(), 0.0f);
    for (std::size_t s = 0; s < layout.segments().size(); ++s) {
        const ParameterSegment& segment = layout.segment(s);
        const auto begin = static_cast<std::ptrdiff_t>(segment.offset);
        if (!segment.row_sparse_gradient) {
            std::copy_n(arena.begin() + begin, segment.size(), dense.begin() + begin);
            continue;
        }
        const RowSparseGradient& sparse = gradients.row_sparse(s);
        if (sparse.row_count == 0) continue;
        std::vector<std::int32_t> rows(static_cast<std::size_t>(sparse.row_count));
        worker.backend->copy_device_to_host(rows.data(), sparse.rows.data(), rows.size() * sizeof(std::int32_t));
        std::vector<float> values(static_cast<std::size_t>(sparse.row_count * segment.cols));
        worker.backend->copy_device_to_host(values.data(), sparse.values.data(), values.size() * sizeof(float));
        for (std::size_t r = 0; r < rows.size(); ++r) {
            std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(r * static_cast<std::size_t>(segment.cols)), segment.cols,
                        dense.begin() + begin + static_cast<std::ptrdiff_t>(static_cast<std::int64_t>(rows[r]) * segment.cols));
        }
    }
    return dense;
}

}  // namespace tb
