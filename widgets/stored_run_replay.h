#pragma once
// A stored run as the stream of events that produced it, so that the dashboard replays a finished run
// through exactly the code that shows a live one. Device samples, merges, evaluations, traces and
// matrix snapshots come back in run-clock order with their wall times; the run's start carries its config and fleet.

#include <cstdint>
#include <string>
#include <vector>

#include "core/session/events.h"

namespace tb::storage {
class RunStore;
}

namespace tb::widgets {

struct StoredRunReplay {
    std::vector<Event> events;
    std::string name;
    // The status as stored, which can say more than the engine's RunStatus in the replayed RunFinished:
    // "interrupted" (its program died mid-run) replays as stopped but is shown as what it is.
    std::string status;
};

// Throws StorageError when the run does not exist.
StoredRunReplay replay_stored_run(storage::RunStore& store, std::int64_t run_id);

}  // namespace tb::widgets
