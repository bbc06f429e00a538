#pragma once
// A worker of the fleet: one device (its spec and backend) holding one model replica with its optimizer
// state. Methods address workers by index, in the order of the config's fleet.devices.

#include <memory>
#include <vector>

#include "core/backend/backend.h"
#include "core/session/fleet_config.h"
#include "core/fleet/replica.h"

namespace tb {

class RunSummary;
class TrainingSession;

struct Worker {
    int index = 0;
    DeviceSpec device;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<Replica> replica;

    // False for a worker that another rank of a distributed run trains: it has no backend or replica
    // in this process.
    bool local() const { return replica != nullptr; }
};

// The first worker that lives in this process (throws std::logic_error when none does).
Worker& first_local_worker(std::vector<Worker>& workers);
const Worker& first_local_worker(const std::vector<Worker>& workers);

// One worker per device of the session's fleet, every replica starting from the same parameters.
// cpu_threads_per_worker is the thread team of each CPU backend (0: every core); worker_limit > 0 uses
// only the first worker_limit devices.
// A replica that does not fit fails with a DeviceError, after the peaks of the backends made so far
// went into the run summary.
// owner_rank (distributed runs): the rank that owns each device; workers of other ranks get their index
// and device spec only.
std::vector<Worker> create_workers(TrainingSession& session, int cpu_threads_per_worker, int worker_limit = 0,
                                   const std::vector<int>& owner_rank = {}, int this_rank = 0);

// Records each worker's peak device memory by category under its device's name
// (RunSummary::record_peak_memory).
void record_peak_memory(const std::vector<Worker>& workers, RunSummary& summary);

}  // namespace tb
