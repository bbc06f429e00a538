#include "core/topology/spectral_gap.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace tb {

std::vector<double> symmetric_eigenvalues(const MixingMatrix& matrix) {
    const auto n = static_cast<std::size_t>(matrix.size());
    std::vector<double> a = matrix.row_major();
    const auto at = [&](std::size_t i, std::size_t j) -> double& { return a[i * n + j]; };
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (std::abs(at(i, j) - at(j, i)) > 1e-12) {
                throw std::invalid_argument("eigenvalues: " + matrix.description() + " is not symmetric");
            }
        }
    }
    // Cyclic Jacobi (Golub and Van Loan, Matrix Computations, section 8.5): each rotation zeroes one
    // off-diagonal pair; sweeps until the off-diagonal mass is negligible.
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = i + 1; j < n; ++j) off += at(i, j) * at(i, j);
        }
        if (off < 1e-26) break;
        for (std::size_t p = 0; p < n; ++p) {
            for (std::size_t q = p + 1; q < n; ++q) {
                if (std::abs(at(p, q)) < 1e-300) continue;
                const double theta = (at(q, q) - at(p, p)) / (2 * at(p, q));
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1);
                const double s = t * c;
                for (std::size_t k = 0; k < n; ++k) {
                    const double kp = at(k, p);
                    const double kq = at(k, q);
                    at(k, p) = c * kp - s * kq;
                    at(k, q) = s * kp + c * kq;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    const double pk = at(p, k);
                    const double qk = at(q, k);
                    at(p, k) = c * pk - s * qk;
                    at(q, k) = s * pk + c * qk;
                }
            }
        }
    }
    std::vector<double> eigenvalues(n);
    for (std::size_t i = 0; i < n; ++i) eigenvalues[i] = at(i, i);
    std::sort(eigenvalues.begin(), eigenvalues.end(), std::greater<>());
    return eigenvalues;
}

double spectral_gap(const MixingMatrix& matrix) {
    const std::vector<double> eigenvalues = symmetric_eigenvalues(matrix);
    if (eigenvalues.size() < 2) return 1.0;
    return 1.0 - std::max(std::abs(eigenvalues[1]), std::abs(eigenvalues.back()));
}

}  // namespace tb
