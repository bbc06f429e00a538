#pragma once
// The pieces every optimizer's step uses per segment: the segment's gradient whether dense or
// row-sparse, a scratch buffer for its update direction, and moving the weights along a direction.
// A row-sparse segment (the sparse input layer) is updated lazily: only the rows the batch touched are
// read or written, so its step costs what the batch costs, not what the layer holds.

#include <cstdint>
#include <vector>

#include "core/nn/parameter_arena.h"

namespace tb {

// A segment's gradient: all rows (rows == null), or the touched rows of a row-sparse segment, row i of
// `values` belonging to parameter row rows[i].
struct SegmentGradient {
    ConstMatrixView values;
    const std::int32_t* rows = nullptr;
    bool empty() const { return values.size() == 0; }
};

SegmentGradient segment_gradient(const ArenaLayout& layout, const Gradients& gradients, std::size_t index);

// Per-segment scratch for update directions, shaped like each segment's gradient (a dense arena, whose
// row-sparse segments' part is never touched, plus one compact matrix per row-sparse segment).
class DirectionBuffers {
public:
    DirectionBuffers(Backend& backend, const ArenaLayout& layout);
    // The direction buffer for segment `index`, shaped like `gradient`.
    MatrixView for_segment(std::size_t index, const SegmentGradient& gradient);

private:
    Backend& backend_;
    ParameterArena dense_;
    std::vector<DeviceMatrix> row_sparse_;
};

// weights -= step * direction, over the rows `gradient` covers.
void move_along(Backend& backend, MatrixView weights, const SegmentGradient& gradient, ConstMatrixView direction,
                float step);

// Heavy-ball or Nesterov momentum on an already scaled update u: v = momentum v + u; w -= v (or
// w -= u + momentum v with Nesterov), over the rows `gradient` covers.
void momentum_step(Backend& backend, MatrixView weights, const SegmentGradient& gradient, ConstMatrixView scaled_update,
                   float* velocity, float momentum, bool nesterov);

}  // namespace tb
