#pragma once
// Copies of column blocks between row-major matrices: how Concat lays its parts side by side and how
// AdditiveCoupling and FixedPoint split their input into groups. Views have no leading dimension yet, so a
// block narrower than its matrix is copied row by row (one device copy per row).

#include <cstdint>

#include "core/backend/backend.h"

namespace tb::nn {

// target[:, target_column : target_column + width] = source[:, source_column : source_column + width]
void copy_columns(Backend& backend, ConstMatrixView source, std::int64_t source_column, MatrixView target,
                  std::int64_t target_column, std::int64_t width);

}  // namespace tb::nn
