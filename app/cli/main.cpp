// trainbench-cli: Trainbench without a display. Runs experiments, lists presets and devices, and
// queries the run store.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "app/cli/devices_command.h"
#include "app/cli/run_command.h"
#include "app/cli/runs_command.h"
#include "app/cli/study_command.h"
#include "core/config/preset_catalog.h"

namespace {

int list_presets_command() {
    const std::vector<tb::PresetInfo> presets = tb::list_presets();
    if (presets.empty()) {
        std::fprintf(stderr, "no presets found (set TRAINBENCH_PRESETS to the presets folder)\n");
        return 1;
    }
    std::size_t width = 0;
    for (const tb::PresetInfo& preset : presets) width = std::max(width, preset.name.size());
    for (const tb::PresetInfo& preset : presets) {
        std::printf("%-*s  %s\n", static_cast<int>(width), preset.name.c_str(), preset.description.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Trainbench without a display: runs experiments headless, lists presets and devices, and queries "
                 "the run store.",
                 "trainbench-cli");
    app.set_version_flag("--version", std::string("trainbench-cli ") + TB_VERSION);
    app.require_subcommand(1);

    const tb::cli::RunCommand run(*app.add_subcommand("run"));
    const tb::cli::StudyCommand study(*app.add_subcommand("study"));
    app.add_subcommand("presets", "list the built-in experiment presets");
    const tb::cli::RunsCommand runs(*app.add_subcommand("runs"));
    app.add_subcommand("devices", "list the CPU and the GPUs, or say why there are none");
    tb::cli::add_help_command(app);
    // After the commands: a command takes its parent's footer when it is added.
    app.footer("`trainbench-cli COMMAND --help` shows a command's arguments.");

    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    const std::string command = app.get_subcommands().front()->get_name();
    if (command == "run") return run.execute();
    if (command == "study") return study.execute();
    if (command == "presets") return list_presets_command();
    if (command == "runs") return runs.execute(std::cout, std::cerr);
    if (command == "devices") return tb::cli::run_devices_command();
    std::fprintf(stderr, "trainbench-cli: the command '%s' is declared but not carried out\n", command.c_str());
    return 2;
}
