// What the page check of a store opened for recording costs (storage/store_integrity_check.h): a store
// is filled with runs through StorageSink until it reaches the size asked for, then opened five times
// for recording (PRAGMA quick_check of every page) and five times for queries (no check), and the
// medians are printed with the file's size and the read rate they amount to. The page cache is warm
// (the store was just written): a store read from a cold disk adds the disk's read time.
//
//   store_integrity_check_bench [MEGABYTES] [FOLDER]   (default: 1024 MB in a fresh temporary folder,
//                                                        removed after)

#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/session/events.h"
#include "storage/run_store.h"
#include "storage/storage_sink.h"

using namespace tb;
using namespace tb::storage;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One run shaped like a long real one: 20,000 evaluations of 4 metrics and samples of 4 devices.
void store_one_run(RunStore& store, int run) {
    constexpr int evaluations = 20'000;
    constexpr int devices = 4;
    StorageSink sink(store);
    RunStarted started;
    started.run_name = "run " + std::to_string(run);
    started.config = {{"name", started.run_name}, {"method", {{"kind", "adaptive_sgd"}}}, {"seed", run}};
    for (int device = 0; device < devices; ++device) started.devices.push_back({"dev" + std::to_string(device), "cpu", -1, 0, 1.0});
    started.start_unix_s = 1'700'000'000 + run;
    started.host = "bench";
    sink.on_event({0, 0, started});
    Eval eval;
    for (int step = 0; step < evaluations; ++step) {
        const double t = step * 0.1;
        eval.epoch = step * 0.01;
        eval.samples_seen = step * 1000;
        eval.metrics = {{"p@1", 0.5 + 1e-6 * step}, {"p@3", 0.4 + 1e-6 * step}, {"p@5", 0.3}, {"loss", 1.0 / (1 + step)}};
        sink.on_event({t, t, eval});
        for (int device = 0; device < devices; ++device) {
            sink.on_event({t, t, DeviceSample{device, 32 + step % 64, 1000.0 + device, step, 0.9, 1 << 20}});
        }
    }
    sink.on_event({evaluations * 0.1, evaluations * 0.1, RunFinished{}});
    sink.close();
}

// This process's CPU time (user and system): on a machine whose cores other programs share, it tells
// the check's own cost apart from the time spent waiting for a core.
double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& time) { return static_cast<double>(time.tv_sec) + 1e-6 * static_cast<double>(time.tv_usec); };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct OpenTime {
    double wall_s;
    double cpu_s;
};

// Medians of 5 opens, wall and CPU time taken separately.
OpenTime median_time_to_open(const std::filesystem::path& path, bool for_recording) {
    std::vector<double> wall;
    std::vector<double> cpu;
    for (int repeat = 0; repeat < 5; ++repeat) {
        const Clock::time_point start = Clock::now();
        const double cpu_start = process_cpu_seconds();
        if (for_recording) {
            RunStore store(path);
        } else {
            RunStore store = RunStore::open_for_queries(path);
        }
        wall.push_back(seconds_since(start));
        cpu.push_back(process_cpu_seconds() - cpu_start);
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[2], cpu[2]};
}

}  // namespace

int main(int argc, char** argv) {
    double megabytes = 1024;
    std::string folder_argument;
    CLI::App app("What the page check of a store opened for recording costs, against opening it for queries.",
                 "store_integrity_check_bench");
    app.add_option("MEGABYTES", megabytes, "the store's size")
        ->check(tb::cli::number_at_least(1))
        ->capture_default_str();
    app.add_option("FOLDER", folder_argument,
                   "where to write the store (default: a fresh temporary folder, removed after)");
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    const bool own_folder = folder_argument.empty();
    const std::filesystem::path folder =
        own_folder ? std::filesystem::temp_directory_path() / ("trainbench-integrity-bench-" + std::to_string(::getpid()))
                   : std::filesystem::path(folder_argument);
    std::filesystem::create_directories(folder);
    const std::filesystem::path path = folder / "large.sqlite";
    try {
        std::string load_average = "unknown";
        if (std::FILE* load = std::fopen("/proc/loadavg", "r")) {
            char text[64] = {};
            if (std::fgets(text, sizeof text, load) != nullptr) load_average = std::string(text, std::strcspn(text, "\n"));
            std::fclose(load);
        }
        std::printf("Store integrity check (SQLite %s, %u hardware threads, load average %s)\n", sqlite3_libversion(),
                    std::thread::hardware_concurrency(), load_average.c_str());
        const Clock::time_point writing = Clock::now();
        int runs = 0;
        {
            RunStore store(path);
            while (static_cast<double>(std::filesystem::file_size(path)) < megabytes * 1e6) store_one_run(store, runs++);
        }
        const double size_mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
        std::printf("  store of %d runs (20,000 evaluations x 4 metrics + 4 devices each): %.0f MB, written in %.1f s\n",
                    runs, size_mb, seconds_since(writing));
        const OpenTime recording = median_time_to_open(path, true);
        const OpenTime queries = median_time_to_open(path, false);
        std::printf("  open for recording (quick_check of every page): median of 5 %.3f s wall (%.0f MB/s), %.3f s CPU "
                    "(%.0f MB per CPU second)\n",
                    recording.wall_s, size_mb / recording.wall_s, recording.cpu_s, size_mb / recording.cpu_s);
        std::printf("  open for queries (no page check):                median of 5 %.3f s wall, %.3f s CPU\n",
                    queries.wall_s, queries.cpu_s);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "store_integrity_check_bench: %s\n", error.what());
        if (own_folder) std::filesystem::remove_all(folder);
        return 1;
    }
    if (own_folder) std::filesystem::remove_all(folder);
    return 0;
}
