// Run store figures: the sustained rate at which the storage sink commits metric rows (target: at least
// 200,000 rows/s), and the time to load and compare 20 stored runs of 10,000 points per series (target:
// under 200 ms).
//
//   storage_bench [FOLDER]   (default: a fresh folder under the system's temporary folder, removed after)

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/session/events.h"
#include "storage/run_comparison.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/series_loading.h"
#include "storage/storage_sink.h"

using namespace tb;
using namespace tb::storage;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Event run_started_event(const std::string& name, const std::string& method, double learning_rate, int devices) {
    RunStarted started;
    started.run_name = name;
    started.config = {{"name", name},
                      {"method", {{"kind", method}}},
                      {"dataset", {{"kind", "xmlc_text"}, {"train", "bibtex_train.txt"}}},
                      {"optimizer", {{"kind", "sgd"}, {"lr", learning_rate}}},
                      {"stop", {{"target", {{"metric", "p@1"}, {"value", 0.55}}}}}};
    for (int device = 0; device < devices; ++device) {
        started.devices.push_back({"dev" + std::to_string(device), "cpu", -1, 0, 1.0});
    }
    started.start_unix_s = 1'700'000'000;
    started.host = "bench";
    return {0, 0, started};
}

std::vector<std::string> metric_names(int count) {
    std::vector<std::string> names = {"p@1", "p@3", "p@5", "loss"};
    for (int index = static_cast<int>(names.size()); index < count; ++index) names.push_back("metric_" + std::to_string(index));
    names.resize(static_cast<std::size_t>(count));
    return names;
}

// Streams `evaluations` evaluations of `metrics_per_evaluation` metrics through a sink and answers the
// committed metric rows per second, from the first event to the end of the final flush.
double sustained_insert_rate(RunStore& store, std::int64_t evaluations, int metrics_per_evaluation,
                             double& engine_side_ns_per_event) {
    const std::vector<std::string> names = metric_names(metrics_per_evaluation);
    StorageSink sink(store);
    sink.on_event(run_started_event("insert rate", "adaptive_sgd", 0.1, 4));
    sink.flush();
    Eval eval;
    double engine_side_s = 0;
    const Clock::time_point start = Clock::now();
    for (std::int64_t step = 0; step < evaluations; ++step) {
        const double t = static_cast<double>(step) * 0.01;
        eval.epoch = t / 100;
        eval.samples_seen = step * 1024;
        for (std::size_t k = 0; k < names.size(); ++k) eval.metrics[names[k]] = 0.5 + 1e-6 * static_cast<double>(step + k);
        const Clock::time_point before = Clock::now();
        sink.on_event({t, t, eval});
        engine_side_s += seconds_since(before);
    }
    sink.flush();
    const double elapsed = seconds_since(start);
    sink.on_event({0, 0, RunFinished{}});
    sink.close();
    engine_side_ns_per_event = 1e9 * engine_side_s / static_cast<double>(evaluations);
    return static_cast<double>(evaluations * metrics_per_evaluation) / elapsed;
}

std::vector<std::int64_t> store_runs_for_comparison(RunStore& store, int runs, int points, int metrics, int devices) {
    const std::vector<std::string> names = metric_names(metrics);
    std::vector<std::int64_t> ids;
    for (int run = 0; run < runs; ++run) {
        StorageSink sink(store);
        sink.on_event(run_started_event("run " + std::to_string(run), run % 2 ? "adaptive_sgd" : "sync_sgd",
                                        0.05 * (run + 1), devices));
        Eval eval;
        for (int step = 0; step < points; ++step) {
            const double t = step * 0.1;
            eval.epoch = step * 0.01;
            eval.samples_seen = step * 1000;
            for (std::size_t k = 0; k < names.size(); ++k) {
                eval.metrics[names[k]] = 0.6 * (1 - std::exp(-step / (1000.0 + 100 * run))) + 0.001 * static_cast<double>(k);
            }
            sink.on_event({t, t, eval});
            for (int device = 0; device < devices; ++device) {
                sink.on_event({t, t, DeviceSample{device, 32 + step % 64, 1000.0 + device, step, 0.9, 1 << 20}});
            }
        }
        sink.on_event({points * 0.1, points * 0.1, RunFinished{}});
        sink.close();
        ids.push_back(*sink.run_id());
    }
    return ids;
}

}  // namespace

int main(int argc, char** argv) {
    std::string folder_argument;
    CLI::App app("Run store figures: the storage sink's sustained commit rate, and the time to load and compare "
                 "20 stored runs.",
                 "storage_bench");
    app.add_option("FOLDER", folder_argument,
                   "where to write the stores (default: a fresh folder under the system's temporary folder, "
                   "removed after)");
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    const bool own_folder = folder_argument.empty();
    const std::filesystem::path folder =
        own_folder ? std::filesystem::temp_directory_path() / ("trainbench-storage-bench-" + std::to_string(::getpid()))
                   : std::filesystem::path(folder_argument);
    std::filesystem::create_directories(folder);
    try {
        // Other programs on the machine share its cores: the load shows how far the figures can be trusted.
        std::string load_average = "unknown";
        if (std::FILE* load = std::fopen("/proc/loadavg", "r")) {
            char text[64] = {};
            if (std::fgets(text, sizeof text, load) != nullptr) load_average = std::string(text, std::strcspn(text, "\n"));
            std::fclose(load);
        }
        std::printf("Run store benchmark (SQLite %s, %u hardware threads, load average %s, files in %s)\n\n",
                    sqlite3_libversion(), std::thread::hardware_concurrency(), load_average.c_str(), folder.c_str());
        {
            RunStore store(folder / "insert_rate.sqlite");
            std::printf("Sustained insert rate through StorageSink (batched transactions, WAL):\n");
            for (const int metrics : {1, 4, 10}) {
                const std::int64_t evaluations = 2'000'000 / metrics;
                double engine_ns = 0;
                const double rate = sustained_insert_rate(store, evaluations, metrics, engine_ns);
                std::printf("  %2d metric(s) per evaluation, %8lld rows: %10.0f rows/s   (on_event: %.0f ns per event)"
                            "   target >= 200000: %s\n",
                            metrics, static_cast<long long>(evaluations * metrics), rate, engine_ns,
                            rate >= 200'000 ? "met" : "MISSED");
            }
        }

        constexpr int runs = 20;
        constexpr int points = 10'000;
        constexpr int metrics = 3;
        constexpr int devices = 4;
        {
            RunStore store(folder / "compare.sqlite");
            const Clock::time_point writing = Clock::now();
            store_runs_for_comparison(store, runs, points, metrics, devices);
            std::printf("\nStored %d runs x (%d metrics + %d devices x 5 quantities) x %d points in %.2f s\n", runs,
                        metrics, devices, points, seconds_since(writing));
        }
        std::vector<double> list_load_compare_ms;
        std::vector<double> compare_only_ms;
        std::vector<double> device_series_ms;
        for (int repeat = 0; repeat < 5; ++repeat) {
            // A fresh store each time, as a newly opened workbench or CLI would have.
            RunStore store(folder / "compare.sqlite");
            const Clock::time_point start = Clock::now();
            const std::vector<RunRecord> listed = list_runs(store);
            std::vector<std::int64_t> ids;
            std::size_t loaded_points = 0;
            for (const RunRecord& run : listed) {
                ids.push_back(run.id);
                for (const MetricSeries& series : load_metric_series(store, run.id, 1000)) loaded_points += series.points.size();
            }
            const Clock::time_point compare_start = Clock::now();
            const RunComparison comparison = compare_runs(store, ids);
            list_load_compare_ms.push_back(1e3 * seconds_since(start));
            compare_only_ms.push_back(1e3 * seconds_since(compare_start));
            const Clock::time_point devices_start = Clock::now();
            for (const std::int64_t id : ids) load_device_series(store, id, 1000);
            device_series_ms.push_back(1e3 * seconds_since(devices_start));
            if (repeat == 0) {
                std::printf("  list %zu runs + load every metric series (downsampled to 1000 points: %zu points)\n"
                            "  + compare_runs on %s over all %zu runs (full series, %zu config keys differ)\n",
                            listed.size(), loaded_points, comparison.metric.c_str(), comparison.runs.size(),
                            comparison.config_differences.size());
            }
        }
        std::sort(list_load_compare_ms.begin(), list_load_compare_ms.end());
        std::sort(compare_only_ms.begin(), compare_only_ms.end());
        std::sort(device_series_ms.begin(), device_series_ms.end());
        std::printf("  list + load + compare: median %.1f ms, best %.1f ms, worst %.1f ms   target < 200 ms: %s\n",
                    list_load_compare_ms[2], list_load_compare_ms.front(), list_load_compare_ms.back(),
                    list_load_compare_ms[2] < 200 ? "met" : "MISSED");
        std::printf("    of which compare_runs alone: median %.1f ms\n", compare_only_ms[2]);
        std::printf("  device series of the 20 runs (%d devices x 5 quantities, downsampled to 1000): median %.1f ms\n",
                    devices, device_series_ms[2]);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "storage_bench: %s\n", error.what());
        if (own_folder) std::filesystem::remove_all(folder);
        return 1;
    }
    if (own_folder) std::filesystem::remove_all(folder);
    return 0;
}
