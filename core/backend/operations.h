#pragma once
// The one list of the Backend's operations (core/backend/backend.h), the way ggml lists its ops: the
// conformance suite iterates it and demands cases for each entry, a coverage test fails when a virtual
// operation of Backend is missing here, and Backend::supports answers in its terms. Names are the math
// they compute, never the method a paper uses them for.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tb {

// X(name, what it computes)
#define TB_BACKEND_OPERATIONS(X)                                                                              \
    X(gemm, "dense matrix product: C = alpha op(A) op(B) + beta C")                                            \
    X(csr_times_dense, "sparse (CSR) times dense: C = alpha A B + beta C")                                     \
    X(csr_transpose_times_dense, "transposed sparse times dense: C = alpha A^T B + beta C")                   \
    X(fill, "x = value")                                                                                       \
    X(scale, "x = alpha x")                                                                                    \
    X(axpby, "y = alpha x + beta y")                                                                           \
    X(add_row_vector, "adds a row vector to every row of a matrix")                                           \
    X(column_sums, "out = alpha (sums of the columns of M) + beta out")                                       \
    X(row_dot, "out_i = alpha (inner product of row i of A and row i of B) + beta out_i")                     \
    X(scale_rows, "out = diag(s) in + beta out: every row times its own factor")                              \
    X(relu_forward, "out = max(in, 0)")                                                                        \
    X(relu_backward, "grad_in = grad_out where the activation is positive, else 0")                          \
    X(dropout_forward, "inverted dropout with a position-seeded mask")                                         \
    X(dropout_backward, "grad_in = grad_out times the dropout mask")                                          \
    X(layer_norm_forward, "normalizes every row to mean 0 and variance 1, then a gain and a bias per column")  \
    X(layer_norm_backward, "layer normalization's input gradient and its gain and bias gradients")            \
    X(sum, "sum of the elements, in double")                                                                   \
    X(dot, "inner product, in double")                                                                         \
    X(sum_of_squares, "squared Euclidean norm, in double")                                                     \
    X(softmax_cross_entropy, "softmax cross-entropy against normalized label rows, with its gradient")         \
    X(sigmoid_binary_cross_entropy, "per-label sigmoid binary cross-entropy, with its gradient")               \
    X(linear_softmax_cross_entropy, "a dense layer and softmax cross-entropy: loss and every gradient at once") \
    X(weighted_sum, "out = sum_i w_i x_i over up to 32 buffers, summed in double")                            \
    X(top_k, "indices of the k largest scores of every row")                                                   \
    X(gather_rows, "out row i = source row rows[i]")                                                           \
    X(scatter_rows, "destination row rows[i] = in row i")                                                      \
    X(sgd_update, "SGD step with momentum, Nesterov and weight decay")                                         \
    X(sgd_update_rows, "SGD step on the listed rows of a matrix only")                                         \
    X(lazy_row_update, "SGD, Adagrad or Adam step of listed rows that carry their own optimizer state")       \
    X(adaptive_direction, "Adam/AdamW/LAMB/LARS update direction with its norms")                             \
    X(gemm_f64, "dense matrix product in double: C = alpha op(A) op(B) + beta C")                              \
    X(csr_times_dense_f64, "sparse times dense in double, rows scaled: C = diag(s) A B")                       \
    X(dense_times_csr_transpose_f64, "dense times transposed sparse in double, columns scaled: C = B A^T diag(s)") \
    X(relu_kernel_expectation, "ReLU arc-cosine expectations in double: Sigma, its derivative kernel, Theta")  \
    X(copy_diagonal_f64, "the diagonal of a square double matrix")

enum class Operation {
#define TB_OPERATION_ENUMERATOR(name, description) name,
    TB_BACKEND_OPERATIONS(TB_OPERATION_ENUMERATOR)
#undef TB_OPERATION_ENUMERATOR
};

struct OperationInfo {
    Operation operation;
    std::string_view name;
    std::string_view description;
};

inline constexpr std::array all_operations = {
#define TB_OPERATION_INFO(name, description) OperationInfo{Operation::name, #name, description},
    TB_BACKEND_OPERATIONS(TB_OPERATION_INFO)
#undef TB_OPERATION_INFO
};

constexpr std::string_view to_string(Operation operation) {
    return all_operations[static_cast<std::size_t>(operation)].name;
}

inline std::optional<Operation> parse_operation(std::string_view name) {
    for (const OperationInfo& info : all_operations) {
        if (info.name == name) return info.operation;
    }
    return std::nullopt;
}

}  // namespace tb
