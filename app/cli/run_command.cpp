#include "app/cli/run_command.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <fstream>
#include <iostream>
#include <unistd.h>

#ifdef TB_HAVE_MPI
#include "app/cli/distributed_start.h"
#endif
#include "app/cli/gpu_backend_factory.h"
#include "app/cli/progress_line.h"
#include "app/cli/run_storage.h"
#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/session/event_fanout.h"
#include "core/session/process_group.h"
#include "core/run/run_experiment.h"

namespace tb::cli {

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
    // A second Ctrl-C ends the program at once; the first lets the run stop cleanly and be stored.
    if (interrupted.exchange(true)) std::_Exit(130);
}

void write_summary(const std::string& path, const nlohmann::json& summary) {
    std::ofstream file(path);
    file << summary.dump(2) << "\n";
    if (!file) throw std::runtime_error("cannot write the summary to " + path);
}

// The values as raw float32 in the machine's byte order, and the layout beside them, so that numpy
// (np.fromfile(FILE, np.float32)) or any program can read a segment back by its offset.
void save_model(const std::string& path, const ArenaLayout& layout, const std::vector<float>& values) {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
    if (!file) throw std::runtime_error("cannot write the model to " + path);
    nlohmann::json segments = nlohmann::json::array();
    for (const ParameterSegment& segment : layout.segments()) {
        segments.push_back({{"name", segment.name}, {"offset", segment.offset}, {"rows", segment.rows}, {"cols", segment.cols}});
    }
    std::ofstream description(path + ".json");
    description << nlohmann::json{{"dtype", "float32"}, {"values", values.size()}, {"segments", segments}}.dump(2) << "\n";
    if (!description) throw std::runtime_error("cannot write the model's layout to " + path + ".json");
}

}  // namespace

RunCommand::RunCommand(CLI::App& command) {
    command.description("run an experiment headless, with a progress line, and record it in the run store");
    command.add_option("PRESET_OR_FILE", config_argument_, "a preset name (see `trainbench-cli presets`) or an "
                                                           "experiment JSON file")
        ->required();
    // One value per occurrence, so that the config may follow a --set.
    command.add_option("--set", overrides_, "override a config key; VALUE is JSON when valid JSON, else a string; "
                                            "repeatable")
        ->type_name("KEY.PATH=VALUE")
        ->allow_extra_args(false);
    command.add_option("--summary-json", summary_json_,
                       "write the run's summary (status, metrics, best, time to target...) to FILE")
        ->type_name("FILE");
    command.add_option("--save-model", save_model_,
                       "write the model the run ends with to FILE (float32 values in the parameter arena's order) and its "
                       "layout to FILE.json (segment names, shapes and offsets); methods that train by SGD")
        ->type_name("FILE");
    command.add_option("--db", database_, "the run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite)")
        ->type_name("FILE");
    command.add_flag("--no-store", no_store_, "do not record the run in the store")->disable_flag_override();
    command.add_flag("--quiet", quiet_, "no progress output")->disable_flag_override();
    command.add_flag("--distributed", distributed_,
                     "run as one rank of a distributed run, started under mpirun or srun: rank 0 records the run, "
                     "each rank trains the fleet devices it owns (fleet.devices[].host, or by rank order); the "
                     "TRAINBENCH_HOST variable overrides this rank's host name")
        ->disable_flag_override();
    command.add_option("--rank-timeout-s", rank_timeout_s_,
                       "distributed runs: a rank that died or hangs fails the run after this many seconds (default 120)")
        ->type_name("S")
        ->check(CLI::Range(0.1, 1e6));
}

int RunCommand::execute() const {
    RunConfig config;
    try {
        const std::filesystem::path config_path = resolve_config_argument(config_argument_);
        nlohmann::json document = read_json_file(config_path);
        // A preset may carry a description for `trainbench-cli presets`; it is not part of the run.
        if (document.is_object()) document.erase("description");
        for (const std::string& assignment : overrides_) apply_override(document, assignment);
        config = parse_run_config(document, std::filesystem::absolute(config_path).parent_path());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);

    std::unique_ptr<ProcessGroup> group;
    if (distributed_) {
#ifdef TB_HAVE_MPI
        try {
            const char* host = std::getenv("TRAINBENCH_HOST");
            group = join_distributed_run(config, rank_timeout_s_, host != nullptr ? host : "", &interrupted);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 2;
        }
#else
        std::fprintf(stderr, "error: --distributed needs a build with MPI (install libopenmpi-dev and rebuild)\n");
        return 2;
#endif
    }
    // Every rank runs the same loop and makes the same events; only the leader's reach a person and the
    // store.
    const bool leader = group == nullptr || group->leader();
    ProgressLine progress(config, stdout, isatty(STDOUT_FILENO) != 0, quiet_ || !leader);
    EventFanout sinks;
    if (leader) sinks.add(progress);

    RunSummary summary;
    try {
        std::unique_ptr<RunStorage> storage;
        if (!no_store_ && leader) {
            storage = std::make_unique<RunStorage>(database_);
            sinks.add(storage->sink());
        }
        RunOptions options;
        options.cancel = &interrupted;
        options.gpu_backend_factory = gpu_backend_factory();
        options.process_group = group.get();
        if (group != nullptr) options.rank_collective_factory = gpu_rank_collective_factory();
        if (!save_model_.empty() && leader) {
            options.on_final_model = [this](const ArenaLayout& layout, const std::vector<float>& values) {
                save_model(save_model_, layout, values);
            };
        }
        summary = run_experiment(config, sinks, options);
        if (storage) {
            storage->finish();
            if (!quiet_) std::printf("stored as run %lld in %s\n", static_cast<long long>(storage->run_id()),
                                           storage->database_path().c_str());
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 3;
    }
#ifdef TB_HAVE_MPI
    if (group != nullptr && summary.status() == RunStatus::failed) {
        if (!leader) {
            // The leader records why; this rank's own message goes to its standard error too.
            std::fprintf(stderr, "error: rank %d: %s\n", group->rank(), summary.error().c_str());
            group->report_failure(summary.error());
        } else if (!summary_json_.empty()) {
            try {
                write_summary(summary_json_, summary.to_json());
            } catch (const std::exception& error) {
                std::fprintf(stderr, "error: %s\n", error.what());
            }
        }
        // The run is recorded as failed: every other rank ends now rather than wait out its timeout.
        if (leader) {
            std::fprintf(stderr, "error: %s\n", summary.error().c_str());
            end_distributed_job(*group, 1);
        }
        // A failed non-leader waits for the leader to end the job, which its report makes it do.
        std::this_thread::sleep_for(std::chrono::duration<double>(rank_timeout_s_));
        end_distributed_job(*group, 1);
    }
#endif
    if (!summary_json_.empty() && leader) {
        try {
            write_summary(summary_json_, summary.to_json());
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 3;
        }
    }
    const RunStatus status = summary.status();
    return status == RunStatus::finished || status == RunStatus::stopped ? 0 : 1;
}

}  // namespace tb::cli
