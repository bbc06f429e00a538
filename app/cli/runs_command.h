#pragma once
// `trainbench-cli runs ...`: list, show, compare, export and delete the runs in a run store.
//
//   runs list [--method M] [--dataset D] [--status S] [--search TEXT] [--sort KEY] [--limit N]
//   runs show ID
//   runs compare ID ID... [--metric M] [--target V]
//   runs export ID --csv DIR [--overwrite]
//   runs delete ID
// Every command takes --db FILE (default: the store at storage::default_database_path()).

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace tb::cli {

class RunsCommand {
public:
    // Declares `runs`' commands and their arguments under `command`, which keeps references into this
    // object.
    explicit RunsCommand(CLI::App& command);
    ~RunsCommand();
    RunsCommand(const RunsCommand&) = delete;
    RunsCommand& operator=(const RunsCommand&) = delete;

    // Carries out the command parsed into `command`. Writes results to `out`, errors to `err`, and answers
    // the exit status: 0 done, 1 the store failed (the message says why), 2 the command line is wrong.
    int execute(std::ostream& out, std::ostream& err) const;

    struct Arguments;

private:
    CLI::App& command_;
    std::unique_ptr<Arguments> arguments_;
};

// `arguments` are the words after "runs"; parses them as trainbench-cli does and carries the command out,
// with the exit status of RunsCommand::execute.
int run_runs_command(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

}  // namespace tb::cli
