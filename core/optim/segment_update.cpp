#include "core/optim/segment_update.h"

namespace tb {

SegmentGradient segment_gradient(const ArenaLayout& layout, const Gradients& gradients, std::size_t index) {
    const ParameterSegment& segment = layout.segment(index);
    if (!segment.row_sparse_gradient) return {gradients.dense().segment(index), nullptr};
    const RowSparseGradient& sparse = gradients.row_sparse(index);
    return {ConstMatrixView(sparse.values.data(), sparse.row_count, segment.cols), sparse.rows.data()};
}

DirectionBuffers::DirectionBuffers(Backend& backend, const ArenaLayout& layout)
    : backend_(backend), dense_(backend, layout, "optimizer update directions"), row_sparse_(layout.segments().size()) {}

MatrixView DirectionBuffers::for_segment(std::size_t index, const SegmentGradient& gradient) {
    if (gradient.rows == nullptr) return dense_.segment(index);
    DeviceMatrix& compact = row_sparse_.at(index);
    compact.resize(backend_, gradient.values.rows, gradient.values.cols, "optimizer update directions (sparse rows)");
    return compact.view();
}

void move_along(Backend& backend, MatrixView weights, const SegmentGradient& gradient, ConstMatrixView direction,
                float step) {
    if (gradient.rows == nullptr) {
        backend.axpby(-step, direction.data, 1.0f, weights.data, weights.size());
    } else {
        // Plain SGD over the listed rows is exactly w[rows[i]] -= step * direction[i].
        backend.sgd_update_rows(weights, gradient.rows, direction, nullptr, {step, 0.0f, 0.0f, false});
    }
}

void momentum_step(Backend& backend, MatrixView weights, const SegmentGradient& gradient, ConstMatrixView scaled_update,
                   float* velocity, float momentum, bool nesterov) {
    // With a learning rate of 1 and no decay, the SGD update is v = mu v + u; w -= v (Nesterov:
    // w -= u + mu v), which is momentum on the scaled update.
    const SgdHyperparameters unit{1.0f, momentum, 0.0f, nesterov};
    if (gradient.rows == nullptr) {
        backend.sgd_update(weights.data, scaled_update.data, velocity, weights.size(), unit);
    } else {
        backend.sgd_update_rows(weights, gradient.rows, scaled_update, velocity, unit);
    }
}

}  // namespace tb
