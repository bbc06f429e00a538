#include "core/solvers/dense_lapack.h"

#include <lapacke.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace tb {
namespace {

// LAPACKE takes 32-bit sizes in Debian's build; a larger matrix would wrap silently.
lapack_int checked_dimension(std::int64_t value, const char* routine, const char* what) {
    if (value < 0 || value > std::numeric_limits<lapack_int>::max()) {
        throw std::invalid_argument(std::string(routine) + ": " + what + " = " + std::to_string(value) +
                                    " is negative or too large for LAPACK's 32-bit sizes");
    }
    return static_cast<lapack_int>(value);
}

void check_element_count(const std::vector<double>& values, std::int64_t expected, const char* routine,
                         const char* what) {
    if (static_cast<std::int64_t>(values.size()) != expected) {
        throw std::invalid_argument(std::string(routine) + ": " + what + " holds " + std::to_string(values.size()) +
                                    " values, expected " + std::to_string(expected));
    }
}

// info < 0 is a bad argument (a bug here); info > 0 is the matrix's fault, and the message says how.
void check_info(lapack_int info, const char* routine, const char* meaning_of_positive_info) {
    if (info == 0) return;
    if (info < 0) {
        throw std::runtime_error(std::string("LAPACK ") + routine + " rejected argument " + std::to_string(-info) +
                                 " (info " + std::to_string(info) + ")");
    }
    throw std::runtime_error(std::string("LAPACK ") + routine + " failed with info " + std::to_string(info) + ": " +
                             meaning_of_positive_info);
}

}  // namespace

SymmetricEigen symmetric_eigen(const std::vector<double>& matrix, std::int64_t n) {
    const lapack_int order = checked_dimension(n, "dsyevd", "n");
    check_element_count(matrix, n * n, "dsyevd", "the matrix");
    SymmetricEigen eigen;
    eigen.vectors = matrix;
    eigen.values.assign(static_cast<std::size_t>(n), 0.0);
    if (n == 0) return eigen;
    const lapack_int info =
        LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', order, eigen.vectors.data(), order, eigen.values.data());
    check_info(info, "dsyevd",
               "the eigenvalue iteration did not converge (is the matrix finite, without NaN or infinity?)");
    return eigen;
}

ThinSvd thin_svd(const std::vector<double>& matrix, std::int64_t rows, std::int64_t cols) {
    const lapack_int m = checked_dimension(rows, "dgesdd", "rows");
    const lapack_int n = checked_dimension(cols, "dgesdd", "cols");
    check_element_count(matrix, rows * cols, "dgesdd", "the matrix");
    const lapack_int k = m < n ? m : n;
    ThinSvd svd;
    svd.left.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(k), 0.0);
    svd.singular.assign(static_cast<std::size_t>(k), 0.0);
    svd.right_t.assign(static_cast<std::size_t>(k) * static_cast<std::size_t>(cols), 0.0);
    if (k == 0) return svd;
    std::vector<double> work = matrix;  // dgesdd destroys its input
    const lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', m, n, work.data(), n, svd.singular.data(),
                                           svd.left.data(), k, svd.right_t.data(), n);
    check_info(info, "dgesdd",
               "the singular value iteration did not converge (is the matrix finite, without NaN or infinity?)");
    return svd;
}

std::vector<double> solve_positive_definite(std::vector<double> a, std::int64_t n, std::vector<double> b,
                                            std::int64_t columns) {
    const lapack_int order = checked_dimension(n, "dposv", "n");
    const lapack_int right_hand_sides = checked_dimension(columns, "dposv", "columns");
    check_element_count(a, n * n, "dposv", "A");
    check_element_count(b, n * columns, "dposv", "B");
    if (n == 0 || columns == 0) return b;
    const lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', order, right_hand_sides, a.data(), order, b.data(),
                                          right_hand_sides);
    check_info(info, "dposv",
               "the leading minor of that order is not positive definite; add a positive regularization "
               "(ridge) term or check the matrix for NaN");
    return b;
}

CholeskyFactor::CholeskyFactor(std::vector<double> a, std::int64_t n) : factor_(std::move(a)), n_(n) {
    const lapack_int order = checked_dimension(n, "dpotrf", "n");
    check_element_count(factor_, n * n, "dpotrf", "A");
    if (n == 0) return;
    const lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', order, factor_.data(), order);
    check_info(info, "dpotrf",
               "the leading minor of that order is not positive definite; add a positive regularization "
               "(ridge) term or check the matrix for NaN");
}

void CholeskyFactor::solve_in_place(double* rhs, std::int64_t columns) const {
    const lapack_int order = checked_dimension(n_, "dpotrs", "n");
    const lapack_int right_hand_sides = checked_dimension(columns, "dpotrs", "columns");
    if (n_ == 0 || columns == 0) return;
    const lapack_int info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', order, right_hand_sides, factor_.data(), order, rhs,
                                           right_hand_sides);
    check_info(info, "dpotrs", "unexpected positive info");
}

}  // namespace tb
