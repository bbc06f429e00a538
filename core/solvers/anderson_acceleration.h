#pragma once
// Anderson acceleration of a fixed-point iteration x <- g(x) (Anderson, "Iterative procedures for
// nonlinear integral equations", J. ACM 1965; in the form of Walker and Ni, "Anderson acceleration for
// fixed-point iterations", SIAM J. Numer. Anal. 2011, their Anderson(m) with the differences form):
// with residuals f_i = g(x_i) - x_i and the last m differences dF = [f_{i+1} - f_i], dG = [g_{i+1} - g_i],
//   gamma = argmin || f_k - dF gamma ||,     x_{k+1} = g(x_k) - dG gamma.
// For a linear map this is GMRES in disguise; it turns a slow linear convergence (rate near 1) into a
// fast one. It guarantees no descent: callers that minimize something keep the extrapolated point only
// when it does better than g(x_k) (any x_{k+1} may be passed back next time; the history stays valid).
// The small least-squares problem is solved by its normal equations with a relative Tikhonov term of
// 1e-12, enough to keep nearly dependent differences from blowing up gamma.

#include <cstddef>
#include <deque>
#include <vector>

namespace tb {

class AndersonAcceleration {
public:
    // memory: m >= 1, the number of differences kept.
    explicit AndersonAcceleration(int memory);

    // Takes the iterate x and its image g(x) (same length every call) and returns the extrapolated next
    // iterate; g(x) itself on the first call. Throws std::invalid_argument on a length change.
    std::vector<double> extrapolate(const std::vector<double>& iterate, const std::vector<double>& image);

    void reset();

private:
    int memory_;
    std::vector<double> last_residual_;
    std::vector<double> last_image_;
    std::deque<std::vector<double>> residual_differences_;
    std::deque<std::vector<double>> image_differences_;
};

}  // namespace tb
