#pragma once
// Recovery of runs whose writer died: a run still `running` in the store whose writer lock nobody holds
// (see run_writer_lock.h) was killed or crashed mid-way. Its flushed rows stay; its status becomes
// `interrupted`.

#include <cstdint>
#include <vector>

namespace tb::storage {

class SqliteConnection;

// The runs still `running` whose writer is gone. Only reads, so a store can look before it decides to
// write (and check its pages first, see store_integrity_check.h).
std::vector<std::int64_t> find_runs_without_writer(SqliteConnection& connection);

// Marks those of `run_ids` that are still `running` as interrupted and answers their ids.
std::vector<std::int64_t> mark_runs_interrupted(SqliteConnection& connection, const std::vector<std::int64_t>& run_ids);

}  // namespace tb::storage
