#include "app/cli/run_command.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "app/cli/gpu_backend_factory.h"
#include "app/cli/progress_line.h"
#include "app/cli/run_storage.h"
#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/session/event_fanout.h"
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
    command.add_option("--db", database_, "the run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite)")
        ->type_name("FILE");
    command.add_flag("--no-store", no_store_, "do not record the run in the store")->disable_flag_override();
    command.add_flag("--quiet", quiet_, "no progress output")->disable_flag_override();
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
    ProgressLine progress(config, stdout, isatty(STDOUT_FILENO) != 0, quiet_);
    EventFanout sinks;
    sinks.add(progress);

    RunSummary summary;
    try {
        std::unique_ptr<RunStorage> storage;
        if (!no_store_) {
            storage = std::make_unique<RunStorage>(database_);
            sinks.add(storage->sink());
        }
        RunOptions options;
        options.cancel = &interrupted;
        options.gpu_backend_factory = gpu_backend_factory();
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
    if (!summary_json_.empty()) {
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
