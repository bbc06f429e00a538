#pragma once
// Dense linear algebra on small double matrices through LAPACK (Debian's liblapacke); the one file that
// includes lapacke.h. Matrices are row-major, n x n or rows x cols, in std::vector<double>.
// Every function throws std::runtime_error naming the LAPACK routine and its info code when LAPACK
// reports a failure (a matrix that is not positive definite, an SVD that does not converge), and
// std::invalid_argument when a vector's length does not match the sizes given or a size does not fit
// LAPACK's 32-bit integers. Empty matrices (a size of 0) give empty results without calling LAPACK.

#include <cstdint>
#include <vector>

namespace tb {

struct SymmetricEigen {
    std::vector<double> values;   // ascending
    std::vector<double> vectors;  // n x n, row-major; column i is the eigenvector of values[i]
};

// Eigen-decomposition of a symmetric n x n matrix (LAPACK dsyevd; only its lower triangle is read).
SymmetricEigen symmetric_eigen(const std::vector<double>& matrix, std::int64_t n);

struct ThinSvd {
    std::vector<double> left;      // rows x k, row-major, k = min(rows, cols)
    std::vector<double> singular;  // k, descending
    std::vector<double> right_t;   // k x cols, row-major (V^T)
};

// Thin singular value decomposition of a rows x cols matrix (LAPACK dgesdd).
ThinSvd thin_svd(const std::vector<double>& matrix, std::int64_t rows, std::int64_t cols);

// Solves A X = B for a symmetric positive definite n x n A and an n x columns B (LAPACK dposv);
// returns X. Throws when A is not positive definite.
std::vector<double> solve_positive_definite(std::vector<double> a, std::int64_t n, std::vector<double> b,
                                            std::int64_t columns = 1);

// Cholesky factor of a symmetric positive definite matrix (LAPACK dpotrf), kept to solve many right-hand
// sides later (dpotrs).
class CholeskyFactor {
public:
    CholeskyFactor(std::vector<double> a, std::int64_t n);  // throws when A is not positive definite
    std::int64_t size() const { return n_; }
    void solve_in_place(double* rhs, std::int64_t columns = 1) const;  // n x columns, row-major

private:
    std::vector<double> factor_;
    std::int64_t n_;
};

// f(A) = V diag(f(lambda)) V^T for a symmetric A; the matrix square root, inverse and the like.
template <typename Function>
std::vector<double> symmetric_matrix_function(const SymmetricEigen& eigen, std::int64_t n, Function function) {
    std::vector<double> result(static_cast<std::size_t>(n * n), 0.0);
    for (std::int64_t k = 0; k < n; ++k) {
        const double f = function(eigen.values[static_cast<std::size_t>(k)]);
        if (f == 0.0) continue;
        for (std::int64_t i = 0; i < n; ++i) {
            const double vi = eigen.vectors[static_cast<std::size_t>(i * n + k)] * f;
            if (vi == 0.0) continue;
            for (std::int64_t j = 0; j < n; ++j) result[static_cast<std::size_t>(i * n + j)] += vi * eigen.vectors[static_cast<std::size_t>(j * n + k)];
        }
    }
    return result;
}

}  // namespace tb
