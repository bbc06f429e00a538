#include "core/optim/gradient_clipping.h"

#include <cmath>

namespace tb {

double global_gradient_norm(Backend& backend, const ArenaLayout& layout, const Gradients& gradients) {
    double sum_of_squares = 0;
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const ParameterSegment& segment = layout.segment(i);
        if (segment.row_sparse_gradient) {
            const RowSparseGradient& sparse = gradients.row_sparse(i);
            sum_of_squares += backend.sum_of_squares(sparse.values.data(), sparse.row_count * segment.cols);
        } else {
            sum_of_squares += backend.sum_of_squares(gradients.dense().segment(i).data, segment.size());
        }
    }
    return std::sqrt(sum_of_squares);
}

float clipping_scale(double global_norm, double max_norm) {
    if (max_norm <= 0 || !(global_norm > max_norm)) return 1.0f;
    return static_cast<float>(max_norm / global_norm);
}

float gradient_clipping_scale(Backend& backend, const ArenaLayout& layout, const Gradients& gradients,
                              double max_norm) {
    if (max_norm <= 0) return 1.0f;
    return clipping_scale(global_gradient_norm(backend, layout, gradients), max_norm);
}

}  // namespace tb
