#pragma once
// How trainbench-cli run --distributed starts one rank of a distributed run: it joins the MPI process
// group, and refuses to start unless every rank runs the same build on the same config (a hash of the
// program file and of the config, exchanged at start-up).

#include <atomic>
#include <memory>
#include <string>

#include "core/session/process_group.h"
#include "core/session/run_config.h"

namespace tb::cli {

// Joins the group (initialising MPI) and checks the ranks agree. `host_override`: this rank's host name
// for fleet.devices[].host, instead of the machine's (emulated hosts). Throws RankFailure naming the
// first rank that differs from rank 0, on every rank.
std::unique_ptr<ProcessGroup> join_distributed_run(const RunConfig& config, double timeout_s, const std::string& host_override,
                                                   const std::atomic<bool>* abandon);

// Ends every process of the job at once (after the leader stored a failed run, so that no rank is left
// waiting on it).
[[noreturn]] void end_distributed_job(ProcessGroup& group, int exit_code);

}  // namespace tb::cli
