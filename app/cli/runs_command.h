#pragma once
// `trainbench-cli runs ...`: list, show, compare, export and delete the runs in a run store.
//
//   runs list [--method M] [--dataset D] [--status S] [--search TEXT] [--sort KEY] [--limit N]
//   runs show ID
//   runs compare ID ID... [--metric M] [--target V]
//   runs export ID --csv DIR
//   runs delete ID
// Every command takes --db FILE (default: the store at storage::default_database_path()).

#include <ostream>
#include <string>
#include <vector>

namespace tb::cli {

// `arguments` are the words after "runs". Writes results to `out`, errors to `err`, and answers the exit
// status: 0 done, 1 the store failed (the message says why), 2 the command line is wrong.
int run_runs_command(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

}  // namespace tb::cli
