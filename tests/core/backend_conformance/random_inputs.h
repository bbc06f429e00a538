#pragma once
// Random inputs for the conformance cases: dense matrices, NaN-filled outputs, CSR matrices with empty
// rows and shared columns, label matrices, and the parameter sets of the optimizer cases.

#include <cstdint>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/tensor/host_csr.h"
#include "tests/core/backend_conformance/case_context.h"
#include "tests/core/backend_reference.h"

namespace tb::conformance {

std::vector<float> random_values(Random& random, std::int64_t count, float low = -1.0f, float high = 1.0f);
HostMatrix random_matrix(Random& random, std::int64_t rows, std::int64_t cols, float low = -1.0f, float high = 1.0f);
std::vector<float> nan_values(std::int64_t count);
// An output buffer full of NaN: where beta is 0 (or an operation overwrites its output) nothing of it
// may show in the result, the way stale or never-initialized device memory must not.
HostMatrix nan_matrix(std::int64_t rows, std::int64_t cols);

struct SparsePattern {
    double density = 0.1;           // chance of each (row, column) entry
    double empty_row_share = 0.0;   // chance of a row with no entries at all
    std::int32_t shared_columns = 0;  // columns 0 .. shared_columns - 1 sit in every non-empty row
};

// Sorted, duplicate-free columns in every row, as CsrView requires. Shared columns are a frequent
// feature (or label): many rows writing the same output row is what makes the transpose product race.
HostCsr random_csr(Random& random, std::int64_t rows, std::int64_t cols, const SparsePattern& pattern,
                   float low = -1.0f, float high = 1.0f);
// Labels: the listed columns with value 1, as the data readers produce them.
HostCsr random_labels(Random& random, std::int64_t rows, std::int64_t cols, const SparsePattern& pattern);
// One label per row, at random; the first rows take `first_labels` instead, where a case needs labels
// on particular columns.
HostCsr one_label_per_row(Random& random, std::int64_t rows, std::int64_t cols,
                          const std::vector<std::int32_t>& first_labels = {});
std::int64_t longest_row(const HostCsr& csr);
std::int64_t most_shared_column(const HostCsr& csr);

reference::Expected constant_expected(std::int64_t count, double value);
std::vector<float> as_floats(const std::vector<double>& values);

struct MatrixShape {
    std::int64_t rows, cols;
    std::string label() const { return std::to_string(rows) + "x" + std::to_string(cols); }
    bool empty() const { return rows == 0 || cols == 0; }
};

// Counts for the flat element-wise kernels: nothing, one, odd, and past the CPU backend's parallel
// threshold (2^15) with an odd remainder.
inline constexpr std::int64_t flat_counts[] = {0, 1, 1001, 40001};

SgdHyperparameters hyperparameters(float learning_rate, float momentum, float weight_decay, bool nesterov);

// The direction parameters of an optimizer at step `step` (bias corrections 1 / (1 - beta^t), or none
// at step 0), as core/optim/moment_estimates.cpp forms them.
AdaptiveDirectionParameters direction_parameters(bool moments, float l2_weight_decay, float decoupled_weight_decay,
                                                 int step, float beta1 = 0.9f, float beta2 = 0.999f,
                                                 float epsilon = 1e-8f, float gradient_scale = 1.0f);

}  // namespace tb::conformance
