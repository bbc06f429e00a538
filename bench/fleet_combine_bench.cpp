// What combining a fleet's replicas costs on each route: one Adaptive SGD merge (weighted average and
// momentum 0.9, ReplicaMerge) and one sync_sgd gradient all-reduce (GradientAllReduce, after every
// worker computed the gradient of its own batch of 256), through host memory and in place, on
// the Delicious-200K sparse MLP (782,585 features, hidden 128, 205,443 labels: 126 M parameters,
// 505 MB per replica).
//
//   fleet_combine_bench [--backend cpu|cuda] [--workers N] [--repeats R]
//
// cpu: N CPU workers, each with a share of the cores. cuda (builds with the CUDA backend): N
// green-context partitions of cuda:0 when the GPU splits, whole-GPU backends otherwise. The in-place
// route is what a run plans for both. Prints the median and fastest time per call and the replica bytes
// read per second.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "bench/sparse_mlp_training_steps.h"
#include "core/backend/cpu_backend.h"
#include "core/data/synthetic_xmlc.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/gradient_all_reduce.h"
#include "core/fleet/replica_merge.h"

#ifdef TB_HAVE_CUDA
#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/green_context_partition.h"
#endif

namespace {

using namespace tb;
using Clock = std::chrono::steady_clock;

struct Timing {
    double median_ms = 0;
    double fastest_ms = 0;
};

Timing time_calls(int repeats, const std::function<void()>& call) {
    std::vector<double> ms;
    call();  // the first call allocates the route's buffers
    for (int r = 0; r < repeats; ++r) {
        const auto start = Clock::now();
        call();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front()};
}

std::vector<Worker> make_fleet(const DataSplit& data, int count, const std::function<std::unique_ptr<Backend>(int)>& make_backend) {
    std::vector<Worker> workers;
    for (int i = 0; i < count; ++i) {
        Worker worker;
        worker.index = i;
        worker.backend = make_backend(i);
        worker.replica = bench::sparse_mlp_replica(*worker.backend, data.train);
        workers.push_back(std::move(worker));
    }
    return workers;
}

void report(const char* what, const char* route, const Timing& timing, double bytes_read) {
    std::printf("RESULT combine=%s route=%s median_ms=%.1f fastest_ms=%.1f read_gb_per_s=%.1f\n", what, route,
                timing.median_ms, timing.fastest_ms, bytes_read / (timing.fastest_ms * 1e6));
}

}  // namespace

int main(int argc, char** argv) {
    std::string backend_kind = "cpu";
    int worker_count = 4;
    int repeats = 5;
    CLI::App app("What one merge and one gradient all-reduce of the Delicious-200K model cost, through host "
                 "memory and in place.",
                 "fleet_combine_bench");
    app.add_option("--backend", backend_kind, "the workers' backend")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    app.add_option("--workers", worker_count, "the number of workers (at least 2)")
        ->check(tb::cli::whole_number_at_least(2))
        ->capture_default_str();
    app.add_option("--repeats", repeats, "calls timed per route")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    const DataSplit data = generate_synthetic_xmlc(delicious_200k_shape(256 * worker_count, 16));
    std::function<std::unique_ptr<Backend>(int)> make_backend;
    std::string fleet_description;
    if (backend_kind == "cpu") {
        // Each worker a share of the cores, as the wall-clock executor gives them.
        const int threads = std::max(1, CpuBackend(0).thread_count() / worker_count);
        make_backend = [threads](int) { return std::make_unique<CpuBackend>(threads); };
        fleet_description = std::to_string(worker_count) + " CPU workers of " + std::to_string(threads) + " thread(s)";
    }
#ifdef TB_HAVE_CUDA
    std::vector<std::unique_ptr<gpu::GreenContext>> partitions;
    if (backend_kind == "cuda") {
        try {
            const std::vector<int> sm_counts(static_cast<std::size_t>(worker_count), 16);
            partitions = gpu::GreenContextPartition::split(0, sm_counts);
            fleet_description = std::to_string(worker_count) + " green-context partitions of 16 SMs on cuda:0";
        } catch (const DeviceError& error) {
            fleet_description = std::to_string(worker_count) + " whole-GPU backends on cuda:0 (" + error.what() + ")";
        }
        make_backend = [&partitions](int i) {
            gpu::CudaBackendOptions options;
            if (!partitions.empty()) options.partition = std::move(partitions[static_cast<std::size_t>(i)]);
            return std::make_unique<gpu::CudaBackend>(std::move(options));
        };
    }
#endif
    if (!make_backend) {
        std::fprintf(stderr, "unknown backend '%s' (cpu, or cuda in a build with the CUDA backend)\n", backend_kind.c_str());
        return 2;
    }

    std::vector<Worker> workers;
    try {
        workers = make_fleet(data, worker_count, make_backend);
    } catch (const DeviceError& error) {
        std::fprintf(stderr, "fleet_combine_bench: %s\n", error.what());
        return 1;
    }
    const double replica_bytes = parameter_bytes(workers.front());
    std::printf("fleet: %s; replica %.0f MB\n", fleet_description.c_str(), replica_bytes / 1e6);
    const FleetMemoryPlan planned = plan_fleet_memory(workers);
    std::printf("a run would plan: %s\n", planned.reason.c_str());

    // Unequal update shares, as Adaptive SGD's merges have them.
    std::vector<double> shares(static_cast<std::size_t>(worker_count));
    for (int i = 0; i < worker_count; ++i) shares[static_cast<std::size_t>(i)] = (worker_count - i) / (worker_count * (worker_count + 1) / 2.0);
    for (const auto& [route, plan] : {std::pair{"through_host", single_group_plan(workers, CombineRoute::through_host)}, std::pair{"in_place", planned}}) {
        ReplicaMerge merge(workers, plan, 0.9);
        report("merge", route, time_calls(repeats, [&] { merge.merge(shares); }), worker_count * replica_bytes);
    }

    const std::vector<HostBatch> batches = bench::gather_batches(data.train, 256, worker_count);
    for (int i = 0; i < worker_count; ++i) {
        workers[static_cast<std::size_t>(i)].replica->compute_gradients(batches[static_cast<std::size_t>(i)], 1.0f / (256.0f * worker_count));
    }
    const std::vector<char> everyone(static_cast<std::size_t>(worker_count), 1);
    for (const auto& [route, plan] : {std::pair{"through_host", single_group_plan(workers, CombineRoute::through_host)}, std::pair{"in_place", planned}}) {
        GradientAllReduce all_reduce(workers, plan);
        double bytes = 0;
        const Timing timing = time_calls(repeats, [&] { bytes = all_reduce.run(everyone); });
        report("gradient_all_reduce", route, timing, worker_count * bytes);
    }
    return 0;
}
