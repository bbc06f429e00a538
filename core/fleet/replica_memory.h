#pragma once
// The device memory one replica holds for training: parameters, the dense part of its gradients (the
// row-sparse segments' dense part is never touched) and the optimizer's state. Activations are left
// out: they scale with the batch and are small next to these for the models here.

#include <cstdint>

#include "core/nn/parameter_arena.h"
#include "core/optim/optimizer.h"

namespace tb {

inline std::int64_t replica_memory_bytes(const ArenaLayout& layout, const Optimizer& optimizer) {
    std::int64_t dense_gradient_floats = 0;
    for (const ParameterSegment& segment : layout.segments()) {
        if (!segment.row_sparse_gradient) dense_gradient_floats += segment.size();
    }
    return (layout.total_size() + dense_gradient_floats) * static_cast<std::int64_t>(sizeof(float)) +
           optimizer.state_bytes();
}

}  // namespace tb
