#include "core/backend/sgemm_peak.h"

#include <cblas.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace tb {

double measure_sgemm_peak_gflops(int m, int n, int k, double min_seconds) {
    if (m <= 0 || n <= 0 || k <= 0) {
        throw std::invalid_argument("measure_sgemm_peak_gflops: sizes must be positive, got m=" + std::to_string(m) +
                                    " n=" + std::to_string(n) + " k=" + std::to_string(k));
    }
    // Values of order one that are not all equal: denormals or special values would time a different
    // code path than training's.
    const auto filled = [](std::size_t count, float offset) {
        std::vector<float> values(count);
        for (std::size_t i = 0; i < count; ++i) values[i] = offset + static_cast<float>(i % 17) / 17.0f;
        return values;
    };
    const std::vector<float> a = filled(static_cast<std::size_t>(m) * k, -0.5f);
    const std::vector<float> b = filled(static_cast<std::size_t>(k) * n, -0.25f);
    std::vector<float> c(static_cast<std::size_t>(m) * n, 0.0f);
    const auto multiply = [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f,
                    c.data(), n);
    };

    multiply();
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    double elapsed = 0.0;
    long calls = 0;
    while (calls < 3 || elapsed < min_seconds) {
        multiply();
        ++calls;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    const double flops_per_call = 2.0 * m * static_cast<double>(n) * k;
    return flops_per_call * static_cast<double>(calls) / elapsed / 1e9;
}

}  // namespace tb
