// Training throughput of the sparse MLP on the CUDA backend, on the Delicious-200K and Amazon-670K
// shapes (synthetic data of those sizes), and the output-layer GEMM against cuBLAS's measured peak.
//
//   cuda_training_throughput [--steps N] [--batch B] [--tf32]
//
// For each shape it prints one line "RESULT shape=... samples_per_s=... output_gemm_gflops=...
// cublas_peak_gflops=... output_gemm_share=..." that bench/gpu/run_gpu_must_show.sh collects next to
// PyTorch's figures (bench/gpu/pytorch_sparse_mlp.py). The step is the engine's (Replica::train_step:
// batch upload, sparse layer on cuSPARSE, output layer on cuBLAS, softmax cross-entropy, backward, SGD
// with momentum 0.9), and it ends in a synchronizing loss read-back, so wall time per step is honest.
// The output-layer GEMM (batch x 128 times 128 x labels) is timed alone through the same backend, and
// the peak is the best of a few large square SGEMMs on the same GPU.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "app/cli/command_line_parsing.h"
#include "bench/sparse_mlp_training_steps.h"
#include "core/backend/device_buffer.h"
#include "core/data/synthetic_xmlc.h"
#include "gpu/cuda_backend.h"
#include "gpu/cuda_device_list.h"

using namespace tb;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// GFLOP/s of c (m x n) = a (m x k) b (k x n) on the backend, after one untimed call.
double gemm_gflops(gpu::CudaBackend& backend, std::int64_t m, std::int64_t n, std::int64_t k, int repetitions) {
    DeviceBuffer<float> a(backend, m * k, "gemm a"), b(backend, k * n, "gemm b"), c(backend, m * n, "gemm c");
    backend.fill(a.data(), a.size(), 0.01f);
    backend.fill(b.data(), b.size(), 0.02f);
    const ConstMatrixView av(a.data(), m, k), bv(b.data(), k, n);
    const MatrixView cv{c.data(), m, n};
    backend.gemm(Transpose::no, Transpose::no, 1.0f, av, bv, 0.0f, cv);
    backend.synchronize();
    const auto start = Clock::now();
    for (int r = 0; r < repetitions; ++r) backend.gemm(Transpose::no, Transpose::no, 1.0f, av, bv, 0.0f, cv);
    backend.synchronize();
    return 2.0 * static_cast<double>(m) * n * k * repetitions / seconds_since(start) / 1e9;
}

double training_samples_per_s(gpu::CudaBackend& backend, const Dataset& train, std::int64_t batch_size, int steps) {
    const std::unique_ptr<Replica> trained = bench::sparse_mlp_replica(backend, train);
    Replica& replica = *trained;
    const int warmup_steps = 3;
    const std::vector<HostBatch> batches = bench::gather_batches(train, batch_size, warmup_steps + steps);
    for (int i = 0; i < warmup_steps; ++i) replica.train_step(batches[static_cast<std::size_t>(i)], 0.1f);
    std::int64_t samples = 0;
    const auto start = Clock::now();
    for (int i = warmup_steps; i < warmup_steps + steps; ++i) {
        replica.train_step(batches[static_cast<std::size_t>(i)], 0.1f);
        samples += batches[static_cast<std::size_t>(i)].size();
    }
    return static_cast<double>(samples) / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
    int steps = 50;
    std::int64_t batch_size = 256;
    bool tf32 = false;
    CLI::App app("Training throughput of the sparse MLP on the CUDA backend (Delicious-200K and Amazon-670K "
                 "shapes), and the output-layer GEMM against cuBLAS's measured peak.",
                 "cuda_training_throughput");
    app.add_option("--steps", steps, "training steps timed per shape")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--batch", batch_size, "rows per batch")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_flag("--tf32", tf32, "let cuBLAS use TF32 tensor cores for the dense products")->disable_flag_override();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    const gpu::CudaDeviceList list = gpu::list_cuda_devices();
    if (list.devices.empty()) {
        std::fprintf(stderr, "no GPU found: %s\n", list.reason.c_str());
        return 1;
    }
    try {
        gpu::CudaBackendOptions options;
        options.allow_tf32 = tf32;
        gpu::CudaBackend backend(std::move(options));
        std::printf("GPU %s, %d SMs, %s GEMMs\n", list.devices.front().name.c_str(), backend.sm_count(),
                    tf32 ? "TF32" : "FP32");
        double peak = 0;
        for (std::int64_t size : {4096, 8192}) peak = std::max(peak, gemm_gflops(backend, size, size, size, 10));
        struct Shape {
            const char* name;
            SyntheticXmlcSpec spec;
        };
        const std::int64_t train_samples = batch_size * (steps + 3);
        const Shape shapes[] = {{"delicious-200k", delicious_200k_shape(train_samples, 256)},
                                {"amazon-670k", amazon_670k_shape(train_samples, 256)}};
        for (const Shape& shape : shapes) {
            const DataSplit data = generate_synthetic_xmlc(shape.spec);
            const std::int64_t labels = data.train.num_labels();
            const double output_gemm = gemm_gflops(backend, batch_size, labels, 128, 20);
            const double samples_per_s = training_samples_per_s(backend, data.train, batch_size, steps);
            std::printf("RESULT shape=%s batch=%lld labels=%lld samples_per_s=%.1f output_gemm_gflops=%.1f "
                        "cublas_peak_gflops=%.1f output_gemm_share=%.3f\n",
                        shape.name, static_cast<long long>(batch_size), static_cast<long long>(labels), samples_per_s,
                        output_gemm, peak, output_gemm / peak);
            std::fflush(stdout);
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 1;
    }
    return 0;
}
