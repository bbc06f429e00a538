#include "core/backend/sgemm_peak.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/backend/blas_thread_limit.h"

namespace tb {

SgemmRate measure_sgemm_rate(int m, int n, int k, double min_seconds) {
    if (m <= 0 || n <= 0 || k <= 0) {
        throw std::invalid_argument("measure_sgemm_rate: sizes must be positive, got m=" + std::to_string(m) +
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

    // OpenBLAS on every core, whatever a CPU backend has set it to (CpuBackend keeps it single-threaded).
    const BlasThreadLimit all_cores(openblas_get_num_procs());
    multiply();
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    double elapsed = 0.0;
    double fastest_call = std::numeric_limits<double>::infinity();
    long calls = 0;
    while (calls < 3 || elapsed < min_seconds) {
        const Clock::time_point call_start = Clock::now();
        multiply();
        const Clock::time_point call_end = Clock::now();
        fastest_call = std::min(fastest_call, std::chrono::duration<double>(call_end - call_start).count());
        ++calls;
        elapsed = std::chrono::duration<double>(call_end - start).count();
    }
    const double flops_per_call = 2.0 * m * static_cast<double>(n) * k;
    return {flops_per_call * static_cast<double>(calls) / elapsed / 1e9, flops_per_call / fastest_call / 1e9};
}

}  // namespace tb
