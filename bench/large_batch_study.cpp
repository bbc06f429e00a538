// The large-batch study (resources/presets/large_batch_study.json) as a benchmark: runs the cells
// optimizer x batch on Fashion-MNIST, prints each as it finishes and the table at the end, and can
// write every cell to a JSON file. --lr-multipliers runs the grid once per multiplier of every
// optimizer's base rate, which is how the rates in the preset were tuned (bench/RESULTS.md).
//
//   large_batch_study [--preset NAME_OR_FILE] [--optimizers a,b] [--batches 256,8192] [--epochs N]
//                     [--lr-multipliers 0.5,1,2] [--json FILE] [--markdown] [--set key.path=VALUE]...
//
// --set, --optimizers, --batches and --markdown are declared once for this program and `trainbench-cli
// study` (app/cli/study_options.h).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "app/cli/study_options.h"
#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/studies/large_batch_study.h"
#include "core/run/run_config_parser.h"

int main(int argc, char** argv) {
    std::string preset = "large_batch_study";
    tb::cli::StudyOptions options;
    std::vector<double> multipliers{1.0};
    double epochs = 0;
    std::string json_path;
    CLI::App app("The large-batch study as a benchmark: optimizers x batch sizes on Fashion-MNIST, each cell as "
                 "it finishes and the table at the end.",
                 "large_batch_study");
    app.add_option("--preset", preset, "the study preset or JSON file")
        ->type_name("NAME_OR_FILE")
        ->capture_default_str();
    tb::cli::add_study_options(app, options);
    app.add_option("--epochs", epochs, "epochs per cell (0: the preset's)")
        ->check(tb::cli::number_at_least(0))
        ->capture_default_str();
    app.add_option("--lr-multipliers", multipliers, "run the grid once per multiplier of every optimizer's base rate")
        ->type_name("X,Y")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(tb::cli::number_at_least(0))
        ->capture_default_str();
    app.add_option("--json", json_path, "write every cell to FILE as it finishes")->type_name("FILE");
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    try {
        nlohmann::json document = tb::read_json_file(tb::resolve_config_argument(preset));
        if (epochs > 0) document["stop"]["max_epochs"] = epochs;
        for (const std::string& assignment : options.overrides) tb::apply_override(document, assignment);
        const tb::LargeBatchStudy study = tb::parse_large_batch_study(document);
        const std::filesystem::path data = study.base_run.at("dataset").at("train").get<std::string>();
        if (!std::filesystem::exists(data)) {
            std::printf("skipped: %s is absent (apt-get install dataset-fashion-mnist)\n", data.c_str());
            return 0;
        }
        std::printf("large-batch study '%s': %.0f epochs per cell, metric %s\n", preset.c_str(),
                    document["stop"].value("max_epochs", 0.0), study.metric.c_str());
        nlohmann::json all_cells = nlohmann::json::array();
        for (double multiplier : multipliers) {
            const std::vector<tb::StudyCell> cells = tb::run_large_batch_study(
                study, options.optimizers, options.batches, multiplier, [&](const tb::StudyCell& cell) {
                    std::printf("%-14s batch %6lld  lr %-10.4g x%-5g %-9s %s %.4f (best %.4f)  %.0f s\n",
                                cell.optimizer.c_str(), static_cast<long long>(cell.batch), cell.learning_rate,
                                multiplier, tb::to_string(cell.status), study.metric.c_str(), cell.final_metric,
                                cell.best_metric, cell.wall_s);
                    std::fflush(stdout);
                    all_cells.push_back({{"optimizer", cell.optimizer}, {"batch", cell.batch},
                                         {"lr_multiplier", multiplier}, {"lr", cell.learning_rate},
                                         {"status", tb::to_string(cell.status)}, {"final", cell.final_metric},
                                         {"best", cell.best_metric}, {"epochs", cell.epochs},
                                         {"wall_s", cell.wall_s}, {"error", cell.error}});
                    if (!json_path.empty()) std::ofstream(json_path) << all_cells.dump(1) << "\n";
                });
            std::printf("\nlr multiplier %g\n%s\n", multiplier,
                        tb::format_study_table(cells, study.metric, options.markdown).c_str());
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 1;
    }
    return 0;
}
