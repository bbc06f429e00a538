// Training throughput of the sparse MLP on the CPU backend, and the share of the machine's measured
// OpenBLAS SGEMM peak that a whole training step reaches.
//
//   training_throughput [--steps N] [--skip-bibtex] [--skip-delicious]
//
// Bibtex (from ../shared/data or $TRAINBENCH_DATA, skipped when absent): sparse_mlp hidden 128, batch 256.
// Delicious-200K shape (synthetic, 782,585 features, 205,443 labels): sparse_mlp hidden 128, batch 256,
// softmax, SGD with momentum 0.9, as the engine trains it (Replica::train_step: batch upload, forward,
// loss, backward, optimizer update). A step's useful work is counted as the three output-layer GEMMs
// (forward, weight gradient, input gradient: 3 x 2 x 256 x 128 x 205,443 flops) plus the sparse layer's
// two products (2 x 2 x nnz x 128); softmax, top-k and the updates are extra work that the share pays for.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>

#include "app/cli/command_line_parsing.h"
#include "bench/sparse_mlp_training_steps.h"
#include "core/backend/cpu_backend.h"
#include "core/backend/sgemm_peak.h"
#include "core/data/data_paths.h"
#include "core/data/dataset_config.h"
#include "core/data/synthetic_xmlc.h"

using namespace tb;
using Clock = std::chrono::steady_clock;

namespace {

struct StepMeasurement {
    double samples_per_s = 0;
    double seconds_per_step = 0;
    double fastest_step_seconds = 0;
    double flops_per_step = 0;
};

StepMeasurement measure(const Dataset& train, std::int64_t batch_size, int steps, int warmup_steps) {
    CpuBackend backend;
    const std::unique_ptr<Replica> trained = bench::sparse_mlp_replica(backend, train);
    Replica& replica = *trained;
    const std::vector<HostBatch> batches = bench::gather_batches(train, batch_size, warmup_steps + steps);
    std::int64_t nnz = 0;
    for (int i = warmup_steps; i < warmup_steps + steps; ++i) nnz += batches[static_cast<std::size_t>(i)].sparse.nnz();
    for (int i = 0; i < warmup_steps; ++i) replica.train_step(batches[static_cast<std::size_t>(i)], 0.1f);
    std::int64_t samples = 0;
    double fastest_step = std::numeric_limits<double>::infinity();
    const auto start = Clock::now();
    for (int i = warmup_steps; i < warmup_steps + steps; ++i) {
        const auto step_start = Clock::now();
        replica.train_step(batches[static_cast<std::size_t>(i)], 0.1f);
        fastest_step = std::min(fastest_step, std::chrono::duration<double>(Clock::now() - step_start).count());
        samples += batches[static_cast<std::size_t>(i)].size();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double hidden = 128;
    const double labels = static_cast<double>(train.num_labels());
    const double output_gemms = 3.0 * 2.0 * static_cast<double>(batch_size) * hidden * labels;
    const double sparse_products = 2.0 * 2.0 * (static_cast<double>(nnz) / steps) * hidden;
    return {static_cast<double>(samples) / seconds, seconds / steps, fastest_step, output_gemms + sparse_products};
}

}  // namespace

int main(int argc, char** argv) {
    int steps = 30;
    bool skip_bibtex = false;
    bool skip_delicious = false;
    CLI::App app("Training throughput of the sparse MLP on the CPU backend, and its share of the machine's "
                 "SGEMM peak.",
                 "training_throughput");
    app.add_option("--steps", steps, "training steps timed per shape")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_flag("--skip-bibtex", skip_bibtex, "leave out Bibtex")->disable_flag_override();
    app.add_flag("--skip-delicious", skip_delicious, "leave out the Delicious-200K shape")->disable_flag_override();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    const bool bibtex = !skip_bibtex;
    const bool delicious = !skip_delicious;
    std::printf("machine: %u hardware threads\n", std::thread::hardware_concurrency());

    if (bibtex) {
        try {
            DatasetConfig config;
            config.kind = tb::DatasetKind::xmlc_text;
            config.train = "xmlc/bibtex_train.txt";
            config.test = "xmlc/bibtex_test.txt";
            const DataSplit data = load_dataset(config);
            const StepMeasurement m = measure(data.train, 256, 200, 10);
            std::printf("bibtex  sparse_mlp h128 batch 256: %.0f samples/s (%.3f ms/step)\n", m.samples_per_s,
                        m.seconds_per_step * 1e3);
        } catch (const std::exception& error) {
            std::printf("bibtex: skipped (%s)\n", error.what());
        }
    }
    if (delicious) {
        const auto generation_start = Clock::now();
        const DataSplit data = generate_synthetic_xmlc(delicious_200k_shape(256 * (steps + 3), 256));
        std::printf("generated the Delicious-200K shape (%lld train samples) in %.1f s\n",
                    static_cast<long long>(data.train.num_samples()),
                    std::chrono::duration<double>(Clock::now() - generation_start).count());
        // Each SGEMM rate is measured before and after the steps and the higher kept, so that a slow spell
        // of the machine during one measurement does not flatter the share.
        const auto higher = [](SgemmRate a, SgemmRate b) {
            return SgemmRate{std::max(a.sustained_gflops, b.sustained_gflops),
                             std::max(a.best_call_gflops, b.best_call_gflops)};
        };
        SgemmRate square = measure_sgemm_rate(2048, 2048, 2048, 2.0);
        SgemmRate same_shape = measure_sgemm_rate(256, 205443, 128, 2.0);
        const StepMeasurement m = measure(data.train, 256, steps, 3);
        square = higher(square, measure_sgemm_rate(2048, 2048, 2048, 2.0));
        same_shape = higher(same_shape, measure_sgemm_rate(256, 205443, 128, 2.0));
        const double achieved = m.flops_per_step / m.seconds_per_step / 1e9;
        std::printf("SGEMM peak (OpenBLAS): %.1f GFLOP/s sustained on 2048^3 (fastest call %.1f), %.1f on 256 x 128 x "
                    "205443 (fastest call %.1f)\n",
                    square.sustained_gflops, square.best_call_gflops, same_shape.sustained_gflops,
                    same_shape.best_call_gflops);
        std::printf("delicious-200k shape sparse_mlp h128 batch 256: %.1f samples/s, %.1f ms/step, %.2f GFLOP/step\n",
                    m.samples_per_s, m.seconds_per_step * 1e3, m.flops_per_step / 1e9);
        // Like against like: the mean step against the sustained rate, the fastest step against the fastest call.
        const double fastest = m.flops_per_step / m.fastest_step_seconds / 1e9;
        std::printf("whole training step: %.1f GFLOP/s = %.1f%% of the sustained 2048^3 SGEMM peak, %.1f%% of the "
                    "same-shape rate\n",
                    achieved, 100.0 * achieved / square.sustained_gflops, 100.0 * achieved / same_shape.sustained_gflops);
        std::printf("fastest step: %.1f ms, %.1f GFLOP/s = %.1f%% of the fastest 2048^3 SGEMM call\n",
                    m.fastest_step_seconds * 1e3, fastest, 100.0 * fastest / square.best_call_gflops);
    }
    return 0;
}
