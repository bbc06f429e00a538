#pragma once
// Runs one experiment from its config to its summary: RunStarted, data loading, the method's loop,
// RunFinished. Every outcome ends in a RunFinished event (finished, stopped, failed or diverged), so a
// sink always sees a complete run, and the summary says why it ended.

#include <atomic>

#include "core/session/events.h"
#include "core/run/run_config_parser.h"
#include "core/session/run_summary.h"
#include "core/session/run_context.h"

namespace tb {

struct RunOptions {
    const std::atomic<bool>* cancel = nullptr;  // set to stop the run early (status stopped)
    const std::atomic<bool>* pause = nullptr;   // while set, training waits and the run clock stands still
    BackendFactory gpu_backend_factory;          // for devices whose backend is not cpu
    // A distributed run: this process is one rank of the group (core/session/process_group.h); null for a
    // run in one process.
    ProcessGroup* process_group = nullptr;
    // Called with the model the run ends with (methods that train by SGD); may be empty.
    FinalModelObserver on_final_model;
    // Distributed runs on GPUs: joins the ranks' devices (NCCL); empty: through host memory.
    RankCollectiveFactory rank_collective_factory;
};

// Never throws for problems of the run itself (data, device, divergence): those end the run with status
// failed or diverged and the error in the summary. Throws only when the sink itself fails.
RunSummary run_experiment(const RunConfig& config, EventSink& sink, const RunOptions& options = {});

}  // namespace tb
