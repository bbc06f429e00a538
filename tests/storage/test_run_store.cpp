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
#include "storage/storage_sink.h"
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
             {"runs", "devices", "metrics", "device_samples", "merges", "logs", "summaries", "optimizer_stats"}) {
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
            // Back to the version 1 schema: merges had no update counts, optimizer statistics no table.
            store.connection().execute(
                "ALTER TABLE merges DROP COLUMN updates; DROP TABLE optimizer_stats; PRAGMA user_version = 1", "test");
        }
        RunStore migrated(path);
        QCOMPARE(migrated.connection().query_integer("PRAGMA user_version", "test"), current_schema_version);
        QCOMPARE(list_runs(migrated).size(), std::size_t(1));
        const std::vector<MergeRecord> merges = load_merges(migrated, list_runs(migrated).front().id);
        QCOMPARE(merges.size(), std::size_t(1));
        QCOMPARE(merges.front().weights, (std::vector<double>{0.6, 0.4}));
        QVERIFY(merges.front().updates.empty());
        QVERIFY(load_optimizer_stats(migrated, list_runs(migrated).front().id).empty());
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
