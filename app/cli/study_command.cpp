#include "app/cli/study_command.h"

#include <cstdio>

#include "core/config/comma_list.h"
#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/errors.h"
#include "core/studies/large_batch_study.h"
#include "core/run/run_config_parser.h"

namespace tb::cli {

namespace {

const char* const usage =
    "usage: trainbench-cli study PRESET_OR_FILE [--set key.path=VALUE]... [--optimizers a,b]\n"
    "                            [--batches 256,8192] [--markdown]\n"
    "  --set k=v          override a key of the base run (stop.max_epochs=5) or of the study\n"
    "  --optimizers a,b   run only these optimizer labels\n"
    "  --batches x,y      run only these batch sizes\n"
    "  --markdown         print the table as Markdown\n";

std::int64_t parse_batch(const std::string& text) {
    std::size_t used = 0;
    std::int64_t batch = 0;
    try {
        batch = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || batch <= 0) throw ConfigError("--batches: '" + text + "' is not a positive batch size");
    return batch;
}

}  // namespace

int run_study_command(const std::vector<std::string>& arguments) {
    std::string config_argument;
    std::vector<std::string> overrides;
    std::vector<std::string> optimizers;
    std::vector<std::int64_t> batches;
    bool markdown = false;
    LargeBatchStudy study;
    try {
        for (std::size_t i = 0; i < arguments.size(); ++i) {
            const std::string& argument = arguments[i];
            const auto value = [&]() -> std::string {
                if (i + 1 >= arguments.size()) throw ConfigError(argument + " needs a value");
                return arguments[++i];
            };
            if (argument == "--set") {
                overrides.push_back(value());
            } else if (argument == "--optimizers") {
                optimizers = tb::split_comma_list(value());
            } else if (argument == "--batches") {
                for (const std::string& batch : tb::split_comma_list(value())) batches.push_back(parse_batch(batch));
            } else if (argument == "--markdown") {
                markdown = true;
            } else if (argument == "--help" || argument == "-h") {
                std::fputs(usage, stdout);
                return 0;
            } else if (!argument.empty() && argument[0] == '-') {
                throw ConfigError("unknown option " + argument + "\n" + usage);
            } else if (config_argument.empty()) {
                config_argument = argument;
            } else {
                throw ConfigError("more than one study given ('" + config_argument + "' and '" + argument + "')");
            }
        }
        if (config_argument.empty()) throw ConfigError(std::string("no study preset or file given\n") + usage);
        nlohmann::json document = read_json_file(resolve_config_argument(config_argument));
        for (const std::string& assignment : overrides) apply_override(document, assignment);
        study = parse_large_batch_study(document);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }

    std::vector<StudyCell> cells;
    try {
        cells = run_large_batch_study(study, optimizers, batches, 1.0, [&](const StudyCell& cell) {
            std::printf("%s at batch %lld (lr %.4g): %s, final %s %.4f, %.0f s\n", cell.optimizer.c_str(),
                        static_cast<long long>(cell.batch), cell.learning_rate, to_string(cell.status),
                        study.metric.c_str(), cell.final_metric, cell.wall_s);
            if (!cell.error.empty()) std::printf("  %s\n", cell.error.c_str());
            std::fflush(stdout);
        });
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 3;
    }
    if (cells.empty()) {
        std::fprintf(stderr, "error: no cell of the study matches --optimizers and --batches\n");
        return 2;
    }
    std::printf("\n%s", format_study_table(cells, study.metric, markdown).c_str());
    for (const StudyCell& cell : cells) {
        if (cell.status == RunStatus::failed) return 1;
    }
    return 0;
}

}  // namespace tb::cli
