#include "storage/schema.h"

#include <sqlite3.h>

#include <string>

#include "storage/sqlite_connection.h"
#include "storage/storage_error.h"
#include "storage/store_integrity_check.h"
#include "storage/write_transaction.h"

namespace tb::storage {
namespace {

struct Migration {
    int to_version;
    const char* sql;
};

// Append a migration for every schema change; never edit one that has shipped. Child tables are keyed
// by (run, ...) first, so one run's rows are contiguous on disk and a series loads as one range scan;
// WITHOUT ROWID stores each row in that key's b-tree directly instead of in a second one.
// Deleting a run removes its rows from every table listed in run_deletion.cpp: add new tables there.
constexpr Migration migrations[] = {
    {1, R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted run's id is never given to another
    name TEXT NOT NULL,
    method TEXT NOT NULL,                  -- config.method.kind
    dataset TEXT NOT NULL,                 -- config.dataset.kind, then '/' and the training file or name
    config TEXT NOT NULL,                  -- the full run config, JSON
    status TEXT NOT NULL CHECK (status IN
        ('running', 'finished', 'stopped', 'failed', 'diverged', 'interrupted')),
    created_unix_s REAL NOT NULL,          -- when the store recorded the run
    started_unix_s REAL NOT NULL,          -- when the engine started it
    finished_unix_s REAL,                  -- NULL until the run finishes (and for interrupted runs)
    run_clock_s REAL NOT NULL DEFAULT 0,   -- run clock reached: training and communication time
    wall_clock_s REAL NOT NULL DEFAULT 0,  -- wall seconds since the start reached
    host TEXT NOT NULL,
    backend TEXT NOT NULL,                 -- the devices' backends, e.g. 'cpu' or 'cpu+cuda'
    error TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}'     -- RunFinished.summary, JSON
);
CREATE INDEX runs_by_created ON runs (created_unix_s);

CREATE TABLE devices (
    run INTEGER NOT NULL,
    device INTEGER NOT NULL,               -- index in the fleet, as in DeviceSample.device
    name TEXT NOT NULL,
    backend TEXT NOT NULL,
    gpu_index INTEGER NOT NULL,
    sm_count INTEGER NOT NULL,
    speed REAL NOT NULL,
    PRIMARY KEY (run, device)
) WITHOUT ROWID;

-- One row per metric per evaluation. epoch and samples repeat the evaluation's position in the data
-- on every row so that any series can be plotted against run clock, wall time, epochs or samples
-- without a join.
CREATE TABLE metrics (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,                 -- evaluation number within the run, from 0
    t REAL NOT NULL,
    wall REAL NOT NULL,
    epoch REAL NOT NULL,
    samples INTEGER NOT NULL,
    value REAL,                            -- NULL: not a number (a diverged loss)
    PRIMARY KEY (run, key, step)
) WITHOUT ROWID;

CREATE TABLE device_samples (
    run INTEGER NOT NULL,
    device INTEGER NOT NULL,
    sample INTEGER NOT NULL,               -- sample number of this device, from 0
    t REAL NOT NULL,
    wall REAL NOT NULL,
    batch_size INTEGER NOT NULL,
    samples_per_s REAL NOT NULL,
    updates INTEGER NOT NULL,
    busy REAL NOT NULL,
    memory_bytes INTEGER NOT NULL,
    PRIMARY KEY (run, device, sample)
) WITHOUT ROWID;

CREATE TABLE merges (
    run INTEGER NOT NULL,
    merge_index INTEGER NOT NULL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    weights TEXT NOT NULL,                 -- JSON array, one weight per device
    PRIMARY KEY (run, merge_index)
) WITHOUT ROWID;

CREATE TABLE logs (
    run INTEGER NOT NULL,
    line INTEGER NOT NULL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    text TEXT NOT NULL,
    PRIMARY KEY (run, line)
) WITHOUT ROWID;

-- Kept current while the run progresses, so that lists and comparisons need not scan the metrics.
CREATE TABLE summaries (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    lower_is_better INTEGER NOT NULL,      -- 1 for losses
    points INTEGER NOT NULL,
    last REAL,
    last_t REAL,
    best REAL,
    best_t REAL,                           -- run clock of the best value
    target REAL,                           -- config.stop.target.value when this is the target metric
    time_to_target REAL,                   -- run clock when the target was first reached
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
)sql"},
    // Merge events carry each device's update count in the merge period (the numerators of the
    // normalized merge weights). Runs stored before have none: '[]'.
    {2, R"sql(
ALTER TABLE merges ADD COLUMN updates TEXT NOT NULL DEFAULT '[]';  -- JSON array, one count per device
)sql"},
    // Layer-wise optimizers (LARS, LAMB) report each segment's trust ratio every few steps.
    {3, R"sql(
CREATE TABLE optimizer_stats (
    run INTEGER NOT NULL,
    worker INTEGER NOT NULL,
    step INTEGER NOT NULL,                 -- the worker's optimizer steps so far
    segment TEXT NOT NULL,                 -- parameter segment, e.g. 'hidden.weight'
    t REAL NOT NULL,
    wall REAL NOT NULL,
    trust_ratio REAL,
    weight_norm REAL,
    update_norm REAL,
    PRIMARY KEY (run, worker, step, segment)
) WITHOUT ROWID;
)sql"},
    // Generic telemetry: traces (a point of a named series in a named panel) and matrix snapshots. The
    // layer-wise optimizers' trust ratios become traces of the panel 'trust ratio' on the 'optimizer
    // step' axis, so the rows stored in optimizer_stats move there (series named as in
    // core/fleet/trust_ratio_traces.cpp) and the table goes; the norms were never shown and go with it.
    {4, R"sql(
CREATE TABLE traces (
    run INTEGER NOT NULL,
    panel TEXT NOT NULL,
    series TEXT NOT NULL,
    point INTEGER NOT NULL,                -- point number within the series, from 0
    x_axis TEXT NOT NULL,                  -- '' for the run clock (x is then t), else the axis's name
    x REAL NOT NULL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    value REAL,                            -- NULL: not a number
    PRIMARY KEY (run, panel, series, point)
) WITHOUT ROWID;

CREATE TABLE matrix_snapshots (
    run INTEGER NOT NULL,
    name TEXT NOT NULL,
    snapshot INTEGER NOT NULL,             -- snapshot number of this name, from 0
    t REAL NOT NULL,
    wall REAL NOT NULL,
    rows INTEGER NOT NULL,
    cols INTEGER NOT NULL,
    cells TEXT NOT NULL,                   -- JSON array, row-major, rows * cols numbers (null: NaN)
    row_labels TEXT NOT NULL DEFAULT '[]',     -- JSON array, empty or one per row
    column_labels TEXT NOT NULL DEFAULT '[]',  -- JSON array, empty or one per column
    PRIMARY KEY (run, name, snapshot)
) WITHOUT ROWID;

INSERT INTO traces (run, panel, series, point, x_axis, x, t, wall, value)
SELECT run, 'trust ratio',
       CASE WHEN worker = 0 THEN segment ELSE segment || ' (worker ' || worker || ')' END,
       row_number() OVER (PARTITION BY run, worker, segment ORDER BY step) - 1,
       'optimizer step', step, t, wall, trust_ratio
FROM optimizer_stats;

DROP TABLE optimizer_stats;
)sql"},
    // Tags and a note per run, written by people after the run (the engine never writes them).
    {5, R"sql(
CREATE TABLE run_tags (
    run INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (run, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags (tag, run);

CREATE TABLE run_notes (
    run INTEGER PRIMARY KEY,
    note TEXT NOT NULL
);
)sql"},
    // The host that trained each device of a distributed run ('' for a run in one process).
    {6, R"sql(
ALTER TABLE devices ADD COLUMN host TEXT NOT NULL DEFAULT '';
)sql"},
};

static_assert(std::size(migrations) == current_schema_version, "one migration per schema version");

int read_schema_version(SqliteConnection& connection) {
    return static_cast<int>(connection.query_integer("PRAGMA user_version", "read the schema version"));
}

}  // namespace

int check_store_file(SqliteConnection& connection) {
    // The first statement makes SQLite read the header: a file that is not a database fails here
    // (SQLITE_NOTADB), before anything could be written to it.
    std::int64_t schema_objects = 0;
    try {
        schema_objects = connection.query_integer("SELECT count(*) FROM sqlite_schema", "read the file");
    } catch (const StorageError& error) {
        // A damaged schema page: the page check says what is damaged and what to do.
        if ((error.sqlite_code() & 0xff) != SQLITE_CORRUPT) throw;
        require_intact_store(connection);
        throw;
    }
    const auto application_id = static_cast<std::int32_t>(
        connection.query_integer("PRAGMA application_id", "read the file's application id"));
    const int version = read_schema_version(connection);
    const std::string where = "Run store '" + connection.path().string() + "': ";
    if (application_id != trainbench_application_id && (schema_objects > 0 || version != 0)) {
        throw StorageError(where + "this SQLite database belongs to another program (application id " +
                           std::to_string(application_id) +
                           "). It was left unchanged; choose another file with --db.");
    }
    if (version > current_schema_version) {
        throw StorageError(where + "it was written by a newer Trainbench (schema version " + std::to_string(version) +
                           "; this build reads versions up to " + std::to_string(current_schema_version) +
                           "). It was left unchanged; update Trainbench to open it, or choose another file with --db.");
    }
    return version;
}

void migrate_schema(SqliteConnection& connection) {
    for (const Migration& migration : migrations) {
        if (read_schema_version(connection) >= migration.to_version) continue;
        WriteTransaction transaction(connection, "upgrade the schema");
        // Another program may have migrated between the check above and taking the write lock.
        if (read_schema_version(connection) >= migration.to_version) continue;
        connection.execute(migration.sql, "upgrade the schema to version " + std::to_string(migration.to_version));
        connection.execute("PRAGMA application_id = " + std::to_string(trainbench_application_id),
                           "mark the file as a Trainbench run store");
        connection.execute("PRAGMA user_version = " + std::to_string(migration.to_version),
                           "record the schema version");
        transaction.commit();
    }
}

}  // namespace tb::storage
