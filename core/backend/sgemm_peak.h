#pragma once
// The machine's sustained single-precision GEMM rate through OpenBLAS: the yardstick the benchmarks
// divide a training step's useful flops by, to report the step as a share of what this CPU can do.

namespace tb {

// Runs cblas_sgemm on an (m x k) times (k x n) product, first untimed to warm caches, threads and
// page mappings, then repeatedly until min_seconds have passed (at least three calls), and returns
// 2 m n k * calls / seconds / 1e9. Throws std::invalid_argument for non-positive sizes.
double measure_sgemm_peak_gflops(int m, int n, int k, double min_seconds);

}  // namespace tb
