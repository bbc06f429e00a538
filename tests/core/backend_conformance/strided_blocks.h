#pragma once
// The operands of the strided-view cases: a matrix stored as a block of columns of a wider one (views.h),
// with random values in the columns around it that an operation must neither read nor write.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/backend/operations.h"
#include "core/tensor/host_csr.h"
#include "tests/core/backend_conformance/case_context.h"

namespace tb::conformance {

// Columns on either side of the block: odd, so that the block starts and ends inside a vector width and
// a cache line.
inline constexpr std::int64_t columns_left_of_block = 3;
inline constexpr std::int64_t columns_right_of_block = 5;

// `block` with columns_left_of_block random columns before it and columns_right_of_block after it.
HostMatrix widen(Random& random, const HostMatrix& block);
// Columns [first_column, first_column + count) of `wide`, as a matrix of their own.
HostMatrix columns_of(const HostMatrix& wide, std::int64_t first_column, std::int64_t count);
// The block of `wide_after` at columns_left_of_block against `expected`, and every other column against
// `wide_before`, bit for bit: an operation on a block must not touch the columns around it.
void compare_column_block(CaseContext& context, const std::string& output, const std::vector<float>& wide_after,
                          const HostMatrix& wide_before, std::int64_t block_cols, const reference::Expected& expected,
                          const Tolerance& tolerance, double terms);
// Where the backend does not claim strided views for `operation` (Backend::supports_strided_views), the
// call must be rejected with std::invalid_argument naming the operation and the strided view: checks
// that and returns true, and the case has nothing more to compare.
bool strided_views_refused(CaseContext& context, Operation operation, const std::function<void()>& call);

}  // namespace tb::conformance
