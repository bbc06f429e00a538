// Opening the run store: a new store is created with the current schema in WAL mode; a file that is not
// a Trainbench store, or one from a newer build, is refused with a clear message and left byte for byte
// as it was; a location that cannot be created is reported; the default path follows XDG.

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <fstream>
#include <random>

#include "storage/default_database_path.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/schema.h"
#include "storage/series_loading.h"
#include "storage/storage_error.h"
#include "storage/sqlite_connection.h"
#include "storage/storage_sink.h"
#include "storage/telemetry_loading.h"
#include "tests/storage/damaged_store.h"
#include "tests/storage/file_snapshot.h"
#include "tests/storage/run_event_builders.h"

using namespace tb;
using namespace tb::storage;
using namespace tb::storage::testing;

namespace {

std::filesystem::path in(const QTemporaryDir& folder, const char* name) {
    return std::filesystem::path(folder.path().toStdString()) / name;
}

// Opening must fail with a StorageError whose message contains every one of `expected`.
void expect_refused(const std::filesystem::path& path, std::initializer_list<const char*> expected) {
    try {
        RunStore store(path);
        QFAIL("the store opened a file it should have refused");
    } catch (const StorageError& error) {
        const std::string message = error.what();
        for (const char* part : expected) {
            QVERIFY2(message.find(part) != std::string::npos, (message + "\n  lacks: " + part).c_str());
        }
    }
}

RunStoreOptions read_only_options() {
    RunStoreOptions options;
    options.access = ConnectionAccess::read_only;
    return options;
}

// The schema of version 3 as it shipped (migrations 1 to 3 applied), kept here verbatim so that the
// test writes a store exactly as the previous release left it, independent of today's migrations.
constexpr const char* schema_version_3 = R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    method TEXT NOT NULL,
    dataset TEXT NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('running', 'finished', 'stopped', 'failed', 'diverged', 'interrupted')),
    created_unix_s REAL NOT NULL,
    started_unix_s REAL NOT NULL,
    finished_unix_s REAL,
    run_clock_s REAL NOT NULL DEFAULT 0,
    wall_clock_s REAL NOT NULL DEFAULT 0,
    host TEXT NOT NULL,
    backend TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_created ON runs (created_unix_s);

CREATE TABLE devices (
    run INTEGER NOT NULL,
    device INTEGER NOT NULL,
    name TEXT NOT NULL,
    backend TEXT NOT NULL,
    gpu_index INTEGER NOT NULL,
    sm_count INTEGER NOT NULL,
    speed REAL NOT NULL,
    PRIMARY KEY (run, device)
) WITHOUT ROWID;

CREATE TABLE metrics (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    epoch REAL NOT NULL,
    samples INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (run, key, step)
) WITHOUT ROWID;

CREATE TABLE device_samples (
    run INTEGER NOT NULL,
    device INTEGER NOT NULL,
    sample INTEGER NOT NULL,
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
    weights TEXT NOT NULL,
    updates TEXT NOT NULL DEFAULT '[]',
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

CREATE TABLE summaries (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    lower_is_better INTEGER NOT NULL,
    points INTEGER NOT NULL,
    last REAL,
    last_t REAL,
    best REAL,
    best_t REAL,
    target REAL,
    time_to_target REAL,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;

CREATE TABLE optimizer_stats (
    run INTEGER NOT NULL,
    worker INTEGER NOT NULL,
    step INTEGER NOT NULL,
    segment TEXT NOT NULL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    trust_ratio REAL,
    weight_norm REAL,
    update_norm REAL,
    PRIMARY KEY (run, worker, step, segment)
) WITHOUT ROWID;
PRAGMA application_id = 1413632595;
PRAGMA user_version = 3;
)sql";

// One finished run as the previous release recorded it: devices, metrics, a merge, and the trust ratios
// of a LAMB run on two workers in the table that version 4 folds into traces.
constexpr const char* run_of_version_3 = R"sql(
INSERT INTO runs (id, name, method, dataset, config, status, created_unix_s, started_unix_s, finished_unix_s,
                  run_clock_s, wall_clock_s, host, backend)
VALUES (1, 'lamb-before', 'adaptive_sgd', 'xmlc_text/bibtex_train.txt', '{"name": "lamb-before"}', 'finished',
        1700000000, 1700000000, 1700000010, 4.0, 5.0, 'old-host', 'cpu');
INSERT INTO devices VALUES (1, 0, 'A', 'cpu', -1, 0, 1.0), (1, 1, 'B', 'cpu', -1, 0, 0.5);
INSERT INTO metrics VALUES (1, 'p@1', 0, 1.0, 1.5, 0.5, 1000, 0.25), (1, 'p@1', 1, 2.0, 2.5, 1.0, 2000, 0.5);
INSERT INTO summaries VALUES (1, 'p@1', 0, 2, 0.5, 2.0, 0.5, 2.0, NULL, NULL);
INSERT INTO merges VALUES (1, 0, 1.5, 2.0, '[0.6,0.4]', '[6,4]');
INSERT INTO optimizer_stats VALUES
    (1, 0, 5, 'hidden.weight', 1.0, 1.2, 0.8, 2.0, 2.5),
    (1, 0, 10, 'hidden.weight', 2.0, 2.2, 0.9, 2.0, 2.2),
    (1, 0, 5, 'output.weight', 1.0, 1.2, 1.5, 3.0, 2.0),
    (1, 1, 5, 'hidden.weight', 1.1, 1.3, 0.7, 2.0, 2.9);
)sql";

void record_one_run(RunStore& store) {
    StorageSink sink(store);
    sink.on_event(run_started());
    sink.on_event(evaluation(1.0, {{"p@1", 0.3}}));
    sink.on_event(run_finished(2.0));
    sink.close();
}

// Restores an environment variable when the test ends, so tests do not leak settings into each other.
class EnvironmentOverride {
public:
    EnvironmentOverride(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~EnvironmentOverride() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

class TestRunStore : public QObject {
    Q_OBJECT

private slots:
    void creates_a_new_store_with_the_current_schema_in_wal_mode() {
        QTemporaryDir folder;
        const auto path = in(folder, "nested/folders/runs.sqlite");
        RunStore store(path);
        QVERIFY(std::filesystem::exists(path));
        QCOMPARE(store.connection().query_integer("PRAGMA user_version", "test"), current_schema_version);
        QCOMPARE(store.connection().query_integer("PRAGMA application_id", "test"), trainbench_application_id);
        QCOMPARE(store.connection().query_text("PRAGMA journal_mode", "test"), std::string("wal"));
        for (const char* table :
             {"runs", "devices", "metrics", "device_samples", "merges", "logs", "summaries", "traces",
              "matrix_snapshots"}) {
            QCOMPARE(store.connection().query_integer(
                         std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '") + table +
                             "'",
                         "test"),
                     1);
        }
    }

    void reopening_keeps_runs_and_migrates_only_once() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        {
            RunStore store(path);
            record_one_run(store);
        }
        RunStore reopened(path);
        QCOMPARE(reopened.connection().query_integer("PRAGMA user_version", "test"), current_schema_version);
        QCOMPARE(list_runs(reopened).size(), std::size_t(1));
    }

    void migrates_a_version_1_store_keeping_its_runs() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        {
            RunStore store(path);
            StorageSink sink(store);
            sink.on_event(run_started());
            sink.on_event(merge(1.0, 0, {0.6, 0.4}));
            sink.on_event(run_finished(2.0));
            sink.close();
            // Back to the version 1 schema: merges had no update counts, telemetry no tables.
            store.connection().execute("ALTER TABLE merges DROP COLUMN updates; DROP TABLE traces; "
                                       "DROP TABLE matrix_snapshots; DROP TABLE run_tags; DROP TABLE run_notes; "
                                       "ALTER TABLE devices DROP COLUMN host; PRAGMA user_version = 1",
                                       "test");
        }
        RunStore migrated(path);
        QCOMPARE(migrated.connection().query_integer("PRAGMA user_version", "test"), current_schema_version);
        QCOMPARE(list_runs(migrated).size(), std::size_t(1));
        const std::vector<MergeRecord> merges = load_merges(migrated, list_runs(migrated).front().id);
        QCOMPARE(merges.size(), std::size_t(1));
        QCOMPARE(merges.front().weights, (std::vector<double>{0.6, 0.4}));
        QVERIFY(merges.front().updates.empty());
        QVERIFY(load_traces(migrated, list_runs(migrated).front().id).empty());
    }

    // A store written by the previous release (schema version 3) opens, migrates once, keeps its run
    // readable, and its LAMB trust ratios come back as traces of the "trust ratio" panel.
    void migrates_a_version_3_store_moving_trust_ratios_into_traces() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        {
            SqliteConnection old(path, ConnectionAccess::read_write);
            old.execute(schema_version_3, "write the version 3 schema");
            old.execute(run_of_version_3, "write a version 3 run");
        }
        RunStore migrated(path);
        QCOMPARE(migrated.connection().query_integer("PRAGMA user_version", "test"), current_schema_version);
        QCOMPARE(migrated.connection().query_integer(
                     "SELECT count(*) FROM sqlite_schema WHERE name = 'optimizer_stats'", "test"),
                 std::int64_t(0));
        const std::vector<RunRecord> runs = list_runs(migrated);
        QCOMPARE(runs.size(), std::size_t(1));
        QCOMPARE(runs.front().name, std::string("lamb-before"));
        QCOMPARE(runs.front().status, std::string("finished"));
        const std::vector<MetricSeries> metrics = load_metric_series(migrated, 1, 0);
        QCOMPARE(metrics.size(), std::size_t(1));
        QCOMPARE(metrics.front().points[1].value, 0.5);
        QCOMPARE(load_merges(migrated, 1).front().updates, (std::vector<std::int64_t>{6, 4}));

        const std::vector<TraceSeries> traces = load_traces(migrated, 1);
        QCOMPARE(traces.size(), std::size_t(3));
        QCOMPARE(traces[0].panel, std::string("trust ratio"));
        QCOMPARE(traces[0].series, std::string("hidden.weight"));
        QCOMPARE(traces[0].x_axis, std::string("optimizer step"));
        QCOMPARE(traces[0].points.size(), std::size_t(2));
        QCOMPARE(traces[0].points[0].x, 5.0);
        QCOMPARE(traces[0].points[1].x, 10.0);
        QCOMPARE(traces[0].points[1].value, 0.9);
        QCOMPARE(traces[0].points[1].t, 2.0);
        QCOMPARE(traces[0].points[1].wall_s, 2.2);
        QCOMPARE(traces[1].series, std::string("hidden.weight (worker 1)"));
        QCOMPARE(traces[1].points[0].value, 0.7);
        QCOMPARE(traces[2].series, std::string("output.weight"));

        // The migrated store takes new runs with telemetry next to the old one.
        {
            StorageSink sink(migrated);
            sink.on_event(run_started());
            sink.on_event({1.0, 1.0, Trace{"trust ratio", "hidden.weight", "optimizer step", 5, 1.1}});
            sink.on_event(run_finished(2.0));
            sink.close();
        }
        QCOMPARE(list_runs(migrated).size(), std::size_t(2));
        QCOMPARE(load_traces(migrated, 1).size(), std::size_t(3));
    }

    void an_empty_file_becomes_a_new_store() {
        QTemporaryDir folder;
        const auto path = in(folder, "empty.sqlite");
        std::ofstream(path).close();
        RunStore store(path);
        QCOMPARE(store.connection().query_integer("PRAGMA user_version", "test"), current_schema_version);
    }

    void refuses_a_corrupt_or_foreign_file_and_leaves_it_untouched_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("text file") << "text";
        QTest::newRow("random bytes") << "random";
        QTest::newRow("damaged store") << "damaged";
        QTest::newRow("damaged metrics page") << "damaged metrics page";
    }

    void refuses_a_corrupt_or_foreign_file_and_leaves_it_untouched() {
        QFETCH(QString, kind);
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        if (kind == "text") {
            std::ofstream(path) << "name,value\nthis is a CSV file, not a database\n";
        } else if (kind == "random") {
            std::mt19937 random(42);
            std::ofstream file(path, std::ios::binary);
            for (int i = 0; i < 64 * 1024; ++i) file.put(static_cast<char>(random()));
        } else if (kind == "damaged metrics page") {
            // The schema intact and one page of the metrics table overwritten: SQLite itself would go on
            // recording runs into it (their rows go to the tables' ends) that could never be read back.
            make_store_with_one_damaged_page(path, "metrics");
        } else {
            // A real store whose first page (the schema) is overwritten after the 100-byte header, as a
            // crash of the disk or a careless copy would leave it.
            {
                RunStore store(path);
                record_one_run(store);
            }
            std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
            file.seekp(100);
            for (int i = 100; i < 4096; ++i) file.put(static_cast<char>(0xA5));
        }
        const FileSnapshot before = FileSnapshot::of(path);
        expect_refused(path, {path.c_str(), "left unchanged"});
        QVERIFY(FileSnapshot::of(path) == before);
    }

    void a_damaged_store_is_refused_before_anything_is_written_and_says_what_to_do() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        make_store_with_one_damaged_page(path, "metrics");
        const FileSnapshot before = FileSnapshot::of(path);
        expect_refused(path, {path.c_str(), "is damaged", "tree page", "left unchanged", "--db", ".recover"});
        QVERIFY(FileSnapshot::of(path) == before);

        // Opened to be queried, the pages are not read up front (that costs a read of the whole file),
        // but before the store writes (here: marking a run whose writer is gone) they are.
        {
            SqliteConnection raw(path, ConnectionAccess::read_write);
            raw.execute("UPDATE runs SET status = 'running'", "test");
        }
        const FileSnapshot with_running_run = FileSnapshot::of(path);
        try {
            RunStore::open_for_queries(path);
            QFAIL("a damaged store was opened to mark its interrupted runs");
        } catch (const StorageError& error) {
            QVERIFY2(std::string(error.what()).find("is damaged") != std::string::npos, error.what());
        }
        QVERIFY(FileSnapshot::of(path) == with_running_run);
    }

    void a_damaged_store_opened_for_queries_still_lists_what_is_readable() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        make_store_with_one_damaged_page(path, "metrics");
        // Nothing to write and nothing read from the damaged page: listing goes on, so that the runs still
        // readable in a damaged store can be listed and exported.
        RunStore store = RunStore::open_for_queries(path);
        QCOMPARE(list_runs(store).size(), std::size_t(1));
    }

    void refuses_a_newer_schema_and_changes_nothing() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        {
            RunStore store(path);
            record_one_run(store);
            store.connection().execute("PRAGMA user_version = " + std::to_string(current_schema_version + 1), "test");
        }
        const FileSnapshot before = FileSnapshot::of(path);
        expect_refused(path, {path.c_str(), "newer Trainbench", "left unchanged"});
        QVERIFY(FileSnapshot::of(path) == before);
        QVERIFY(!std::filesystem::exists(path.string() + "-wal"));
    }

    void refuses_another_programs_database_and_changes_nothing() {
        QTemporaryDir folder;
        const auto path = in(folder, "contacts.sqlite");
        {
            SqliteConnection other(path, ConnectionAccess::read_write);
            other.execute("CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('Ada', '1')",
                          "test");
        }
        const FileSnapshot before = FileSnapshot::of(path);
        expect_refused(path, {path.c_str(), "another program", "left unchanged"});
        QVERIFY(FileSnapshot::of(path) == before);
    }

    void reports_a_location_that_cannot_be_created() {
        // Running as root, permissions do not stop writes; /proc refuses new files to everyone.
        const std::filesystem::path path = "/proc/self/trainbench-test/runs.sqlite";
        expect_refused(path, {"could not create the folder", "trainbench-test", "--db"});
    }

    void read_only_store_can_be_listed_but_not_migrated() {
        QTemporaryDir folder;
        const auto path = in(folder, "runs.sqlite");
        {
            RunStore store(path);
            record_one_run(store);
        }
        RunStore reader(path, read_only_options());
        QCOMPARE(list_runs(reader).size(), std::size_t(1));

        const auto empty = in(folder, "old.sqlite");
        std::ofstream(empty).close();
        try {
            RunStore old(empty, read_only_options());
            QFAIL("a read-only store with an old schema opened");
        } catch (const StorageError& error) {
            QVERIFY(std::string(error.what()).find("open it once for writing") != std::string::npos);
        }
    }

    void default_path_follows_xdg_data_home() {
        QTemporaryDir folder;
        const std::string data_home = folder.path().toStdString() + "/data";
        {
            EnvironmentOverride xdg("XDG_DATA_HOME", data_home.c_str());
            const std::filesystem::path path = default_database_path();
            QCOMPARE(path, std::filesystem::path(data_home) / "trainbench" / "runs.sqlite");
            QVERIFY(std::filesystem::is_directory(path.parent_path()));
        }
        {
            // A relative XDG_DATA_HOME is invalid by the specification and falls back to ~/.local/share.
            EnvironmentOverride xdg("XDG_DATA_HOME", "relative/data");
            EnvironmentOverride home("HOME", folder.path().toStdString().c_str());
            QCOMPARE(default_database_path(),
                     std::filesystem::path(folder.path().toStdString()) / ".local/share/trainbench/runs.sqlite");
        }
    }
};

QTEST_GUILESS_MAIN(TestRunStore)
#include "test_run_store.moc"
