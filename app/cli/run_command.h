#pragma once
// trainbench-cli run PRESET_OR_FILE [--set key.path=VALUE]... [--summary-json FILE] [--db FILE]
//                                    [--no-store] [--quiet] [--save-model FILE]
//                                    [--distributed [--rank-timeout-s S]]

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace tb::cli {

class RunCommand {
public:
    // Declares the command's arguments on `command`, which keeps references to this object's members.
    explicit RunCommand(CLI::App& command);
    RunCommand(const RunCommand&) = delete;
    RunCommand& operator=(const RunCommand&) = delete;

    // Runs the experiment parsed into `command`. Exit status: 0 finished or stopped, 1 failed or diverged,
    // 2 the config is wrong, 3 the run store or the summary file failed.
    int execute() const;

private:
    std::string config_argument_;
    std::vector<std::string> overrides_;
    std::string summary_json_;
    std::string save_model_;
    std::string database_;
    bool no_store_ = false;
    bool quiet_ = false;
    bool distributed_ = false;
    double rank_timeout_s_ = 120;
};

}  // namespace tb::cli
