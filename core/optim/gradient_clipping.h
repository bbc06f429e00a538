#pragma once
// Clipping by global norm (Pascanu, Mikolov, Bengio 2013): when the norm of all gradients of a replica
// together exceeds max_norm, every gradient is scaled by max_norm / norm. The optimizers fold the factor
// into their update instead of rewriting the gradients, which they only read.

#include "core/nn/parameter_arena.h"

namespace tb {

// sqrt of the sum of squares over every dense segment and every row-sparse segment's touched rows.
double global_gradient_norm(Backend& backend, const ArenaLayout& layout, const Gradients& gradients);

// The factor to multiply the gradients by: 1 when max_norm is 0 (no clipping) or the norm is within it.
float clipping_scale(double global_norm, double max_norm);

// clipping_scale of the replica's gradients; the norm is only computed when max_norm asks for clipping.
float gradient_clipping_scale(Backend& backend, const ArenaLayout& layout, const Gradients& gradients,
                              double max_norm);

}  // namespace tb
