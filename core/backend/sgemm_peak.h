#pragma once
// The machine's sustained single-precision GEMM rate through OpenBLAS: the yardstick the benchmarks
// divide a training step's useful flops by, to report the step as a share of what this CPU can do.

namespace tb {

struct SgemmRate {
    double sustained_gflops = 0;   // 2 m n k * calls / seconds / 1e9 over the whole measurement
    double best_call_gflops = 0;   // the fastest single call's rate
};

// Runs cblas_sgemm on an (m x k) times (k x n) product, first untimed to warm caches, threads and
// page mappings, then repeatedly until min_seconds have passed (at least three calls). Throws
// std::invalid_argument for non-positive sizes.
SgemmRate measure_sgemm_rate(int m, int n, int k, double min_seconds);

}  // namespace tb
