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
};

// One worker per device of the session's fleet, every replica starting from the same parameters.
// cpu_threads_per_worker is the thread team of each CPU backend (0: every core); worker_limit > 0 uses
// only the first worker_limit devices.
// A replica that does not fit fails with a DeviceError, after the peaks of the backends made so far
// went into the run summary.
std::vector<Worker> create_workers(TrainingSession& session, int cpu_threads_per_worker, int worker_limit = 0);

// Records each worker's peak device memory by category under its device's name
// (RunSummary::record_peak_memory).
void record_peak_memory(const std::vector<Worker>& workers, RunSummary& summary);

}  // namespace tb
