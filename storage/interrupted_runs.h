#pragma once
// Recovery of runs whose writer died: a run still `running` in the store whose writer lock nobody holds
// (see run_writer_lock.h) was killed or crashed mid-way. Its flushed rows stay; its status becomes
// `interrupted`.

#include <cstdint>
#include <vector>

namespace tb::storage {

class SqliteConnection;

// Marks every such run and answers their ids. Writes only when there is one to mark, so readers that
// open the store do not contend for the write lock.
std::vector<std::int64_t> mark_runs_without_writer_interrupted(SqliteConnection& connection);

}  // namespace tb::storage
