// trainbench-cli: Trainbench without a display. Runs experiments, lists presets and devices, and
// queries the run store.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "app/cli/devices_command.h"
#include "app/cli/run_command.h"
#include "app/cli/runs_command.h"
#include "app/cli/study_command.h"
#include "core/config/preset_catalog.h"

namespace {

const char* const usage =
    "usage: trainbench-cli COMMAND [ARGS]\n"
    "commands:\n"
    "  run PRESET_OR_FILE [--set k=v]... [--summary-json F] [--db F]   run an experiment headless\n"
    "  study PRESET_OR_FILE [--set k=v]... [--markdown]                final accuracy of optimizers against batch size\n"
    "  presets                                                        list the built-in experiment presets\n"
    "  runs list|show|compare|export|delete [--db F] ...              query the run store\n"
    "  devices                                                        list the CPU and GPUs\n"
    "  --version\n";

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
    std::vector<std::string> arguments(argv + 1, argv + argc);
    if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help") {
        std::fputs(usage, arguments.empty() ? stderr : stdout);
        return arguments.empty() ? 2 : 0;
    }
    const std::string command = arguments[0];
    arguments.erase(arguments.begin());
    if (command == "--version") {
        std::printf("trainbench-cli %s\n", TB_VERSION);
        return 0;
    }
    if (command == "run") return tb::cli::run_run_command(arguments);
    if (command == "study") return tb::cli::run_study_command(arguments);
    if (command == "presets") return list_presets_command();
    if (command == "runs") return tb::cli::run_runs_command(arguments, std::cout, std::cerr);
    if (command == "devices") return tb::cli::run_devices_command();
    std::fprintf(stderr, "unknown command '%s'\n%s", command.c_str(), usage);
    return 2;
}
