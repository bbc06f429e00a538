#pragma once
// A stored run as the stream of events that produced it, so that the dashboard replays a finished run
// through exactly the code that shows a live one. Device samples, merges and evaluations come back in
// run-clock order with their wall times; the run's start carries its config and fleet.

#include <cstdint>
#include <vector>

#include "core/run/events.h"

namespace tb::storage {
class RunStore;
}

namespace tb::widgets {

// Throws StorageError when the run does not exist.
std::vector<Event> stored_run_events(storage::RunStore& store, std::int64_t run_id);

}  // namespace tb::widgets
