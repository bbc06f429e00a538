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
#include "core/errors.h"
#include "core/session/event_fanout.h"
#include "core/run/run_experiment.h"

namespace tb::cli {

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
    // A second Ctrl-C ends the program at once; the first lets the run stop cleanly and be stored.
    if (interrupted.exchange(true)) std::_Exit(130);
}

struct RunArguments {
    std::string config;
    std::vector<std::string> overrides;
    std::string summary_json;
    std::string database;
    bool store = true;
    bool quiet = false;
};

const char* const usage =
    "usage: trainbench-cli run PRESET_OR_FILE [--set key.path=VALUE]... [--summary-json FILE]\n"
    "                          [--db FILE] [--no-store] [--quiet]\n"
    "  --set k=v          override a config key; VALUE is JSON when valid JSON, else a string\n"
    "  --summary-json F   write the run's summary (status, metrics, best, time to target...) to F\n"
    "  --db F             the run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite)\n"
    "  --no-store         do not record the run in the store\n"
    "  --quiet            no progress output\n";

RunArguments parse_arguments(const std::vector<std::string>& arguments) {
    RunArguments parsed;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        const auto value = [&](const char* option) -> std::string {
            if (i + 1 >= arguments.size()) throw ConfigError(std::string(option) + " needs a value");
            return arguments[++i];
        };
        if (argument == "--set") {
            parsed.overrides.push_back(value("--set"));
        } else if (argument.rfind("--set=", 0) == 0) {
            parsed.overrides.push_back(argument.substr(6));
        } else if (argument == "--summary-json") {
            parsed.summary_json = value("--summary-json");
        } else if (argument == "--db") {
            parsed.database = value("--db");
        } else if (argument == "--no-store") {
            parsed.store = false;
        } else if (argument == "--quiet") {
            parsed.quiet = true;
        } else if (argument == "--help" || argument == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (!argument.empty() && argument[0] == '-') {
            throw ConfigError("unknown option " + argument + "\n" + usage);
        } else if (parsed.config.empty()) {
            parsed.config = argument;
        } else {
            throw ConfigError("more than one config given ('" + parsed.config + "' and '" + argument + "')");
        }
    }
    if (parsed.config.empty()) throw ConfigError(std::string("no preset or config file given\n") + usage);
    return parsed;
}

void write_summary(const std::string& path, const nlohmann::json& summary) {
    std::ofstream file(path);
    file << summary.dump(2) << "\n";
    if (!file) throw std::runtime_error("cannot write the summary to " + path);
}

}  // namespace

int run_run_command(const std::vector<std::string>& arguments) {
    RunConfig config;
    RunArguments parsed;
    try {
        parsed = parse_arguments(arguments);
        const std::filesystem::path config_path = resolve_config_argument(parsed.config);
        nlohmann::json document = read_json_file(config_path);
        // A preset may carry a description for `trainbench-cli presets`; it is not part of the run.
        if (document.is_object()) document.erase("description");
        for (const std::string& assignment : parsed.overrides) apply_override(document, assignment);
        config = parse_run_config(document, std::filesystem::absolute(config_path).parent_path());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    ProgressLine progress(config, stdout, isatty(STDOUT_FILENO) != 0, parsed.quiet);
    EventFanout sinks;
    sinks.add(progress);

    RunSummary summary;
    try {
        std::unique_ptr<RunStorage> storage;
        if (parsed.store) {
            storage = std::make_unique<RunStorage>(parsed.database);
            sinks.add(storage->sink());
        }
        RunOptions options;
        options.cancel = &interrupted;
        options.gpu_backend_factory = gpu_backend_factory();
        summary = run_experiment(config, sinks, options);
        if (storage) {
            storage->finish();
            if (!parsed.quiet) std::printf("stored as run %lld in %s\n", static_cast<long long>(storage->run_id()),
                                           storage->database_path().c_str());
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 3;
    }
    if (!parsed.summary_json.empty()) {
        try {
            write_summary(parsed.summary_json, summary.to_json());
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 3;
        }
    }
    const RunStatus status = summary.status();
    return status == RunStatus::finished || status == RunStatus::stopped ? 0 : 1;
}

}  // namespace tb::cli
