#include "storage/run_listing.h"

#include <map>

#include "storage/run_annotations.h"
#include "storage/run_store.h"
#include "storage/sqlite_statement.h"
#include "storage/storage_error.h"

namespace tb::storage {
namespace {

constexpr const char* run_columns =
    "SELECT id, name, method, dataset, status, created_unix_s, started_unix_s, finished_unix_s, run_clock_s, "
    "wall_clock_s, host, backend, error FROM runs ";

RunRecord read_run_record(const SqliteStatement& row) {
    RunRecord record;
    record.id = row.column_int64(0);
    record.name = row.column_text(1);
    record.method = row.column_text(2);
    record.dataset = row.column_text(3);
    record.status = row.column_text(4);
    record.created_unix_s = row.column_real(5);
    record.started_unix_s = row.column_real(6);
    if (!row.column_is_null(7)) record.finished_unix_s = row.column_real(7);
    record.run_clock_s = row.column_real(8);
    record.wall_clock_s = row.column_real(9);
    record.host = row.column_text(10);
    record.backend = row.column_text(11);
    record.error = row.column_text(12);
    return record;
}

// Column names come from this fixed table, never from user text, so they can go into the SQL.
const char* order_column(RunSortKey key) {
    switch (key) {
        case RunSortKey::created: return "created_unix_s";
        case RunSortKey::name: return "name COLLATE NOCASE";
        case RunSortKey::method: return "method";
        case RunSortKey::dataset: return "dataset COLLATE NOCASE";
        case RunSortKey::status: return "status";
        case RunSortKey::duration: return "run_clock_s";
    }
    return "created_unix_s";
}

}  // namespace

std::vector<RunRecord> list_runs(RunStore& store, const RunFilter& filter) {
    const std::string direction = filter.descending ? " DESC" : " ASC";
    const bool annotated = store_has_annotations(store);
    if (!filter.tag.empty() && !annotated) return {};  // a store without tags has no run with this one
    // instr(lower(...)) rather than LIKE: the user's text needs no escaping of % and _.
    const std::string sql = std::string(run_columns) +
                            "WHERE (?1 = '' OR method = ?1) "
                            "AND (?2 = '' OR instr(lower(dataset), lower(?2)) > 0) "
                            "AND (?3 = '' OR status = ?3) "
                            "AND (?4 = '' OR instr(lower(name), lower(?4)) > 0) " +
                            (annotated ? "AND (?6 = '' OR EXISTS (SELECT 1 FROM run_tags WHERE run_tags.run = runs.id "
                                         "AND run_tags.tag = ?6)) "
                                       : "") +
                            "ORDER BY " + order_column(filter.sort_by) + direction + ", id" + direction +
                            " LIMIT ?5";
    SqliteStatement query(store.connection(), sql, "list runs");
    query.bind_text(1, filter.method)
        .bind_text(2, filter.dataset)
        .bind_text(3, filter.status)
        .bind_text(4, filter.name_contains)
        .bind_integer(5, filter.limit.value_or(-1));  // a negative LIMIT means none
    if (annotated) query.bind_text(6, filter.tag);
    std::vector<RunRecord> runs;
    while (query.step()) runs.push_back(read_run_record(query));
    if (annotated && !runs.empty()) {
        // One pass over the tags rather than a query per run.
        std::map<std::int64_t, std::vector<std::string>> tags_by_run;
        SqliteStatement tags(store.connection(), "SELECT run, tag FROM run_tags ORDER BY run, tag", "read the tags");
        while (tags.step()) tags_by_run[tags.column_int64(0)].push_back(tags.column_text(1));
        for (RunRecord& run : runs) {
            if (auto found = tags_by_run.find(run.id); found != tags_by_run.end()) run.tags = std::move(found->second);
        }
    }
    return runs;
}

std::optional<RunRecord> find_run(RunStore& store, std::int64_t run_id) {
    SqliteStatement query(store.connection(), std::string(run_columns) + "WHERE id = ?", "read a run");
    query.bind_integer(1, run_id);
    if (!query.step()) return std::nullopt;
    RunRecord record = read_run_record(query);
    record.tags = run_tags(store, run_id);
    return record;
}

RunRecord require_run(RunStore& store, std::int64_t run_id) {
    std::optional<RunRecord> record = find_run(store, run_id);
    if (!record) {
        throw StorageError("Run store '" + store.path().string() + "': there is no run " + std::to_string(run_id) +
                           "; `trainbench-cli runs list` shows the stored runs.");
    }
    return *record;
}

}  // namespace tb::storage
