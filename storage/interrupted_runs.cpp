#include "storage/interrupted_runs.h"

#include "storage/run_writer_lock.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/write_transaction.h"

namespace tb::storage {

std::vector<std::int64_t> find_runs_without_writer(SqliteConnection& connection) {
    std::vector<std::int64_t> orphaned;
    SqliteStatement running(connection, "SELECT id FROM runs WHERE status = 'running'", "list running runs");
    while (running.step()) {
        const std::int64_t run_id = running.column_int64(0);
        if (!run_has_live_writer(connection.path(), run_id)) orphaned.push_back(run_id);
    }
    return orphaned;
}

std::vector<std::int64_t> mark_runs_interrupted(SqliteConnection& connection, const std::vector<std::int64_t>& run_ids) {
    // Nothing to mark, no write transaction: readers that open the store do not contend for the lock.
    if (run_ids.empty()) return {};
    std::vector<std::int64_t> marked;
    WriteTransaction transaction(connection, "mark interrupted runs");
    // `status = 'running'` again: a writer that finished its run between the probe and this
    // transaction released its lock after committing the final status, which must stay.
    SqliteStatement mark(connection,
                         "UPDATE runs SET status = 'interrupted', error = CASE WHEN error = '' THEN "
                         "'The program recording this run ended before the run finished (killed or crashed); "
                         "rows flushed until then are kept.' ELSE error END "
                         "WHERE id = ? AND status = 'running'",
                         "mark interrupted runs");
    for (const std::int64_t run_id : run_ids) {
        mark.bind_integer(1, run_id).run();
        if (connection.changes() > 0) marked.push_back(run_id);
    }
    transaction.commit();
    return marked;
}

}  // namespace tb::storage
