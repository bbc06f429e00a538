// `trainbench-cli run` and its run store under the failures of real use, with the real program where it
// matters: a run killed with SIGKILL mid-way leaves a readable store holding every row committed before
// the kill and shows as interrupted at the next open; a corrupt file given as --db fails the command and
// is left untouched; a read-only location fails it before any training; a disk that fills up mid-run
// stops the run with a clear error.

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/cli/run_storage.h"
#include "app/cli/runs_command.h"
#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/storage_error.h"
#include "tests/storage/damaged_store.h"
#include "tests/storage/file_snapshot.h"

using namespace tb;
using namespace tb::storage;
using namespace tb::storage::testing;

namespace {

// The small synthetic preset, made to run far longer than the test waits and to evaluate often, so
// that rows are committed steadily while the run is killed.
const QStringList long_synthetic_run = {"run",   "sparse_mlp_synthetic", "--quiet",
                                        "--set", "stop.max_time_s=600",  "--set",
                                        "stop.max_epochs=100000", "--set", "eval.every_s=0.1"};

std::filesystem::path in(const QTemporaryDir& folder, const char* name) {
    return std::filesystem::path(folder.path().toStdString()) / name;
}

QStringList with_database(QStringList arguments, const std::filesystem::path& database) {
    arguments << "--db" << QString::fromStdString(database.string());
    return arguments;
}

struct ProgramResult {
    int status = -1;
    std::string out;
    std::string err;
};

// Runs trainbench-cli to its end. `as_unprivileged_user`: when the test runs as root, the program runs
// as `nobody`, for whom file permissions hold (root writes anywhere).
ProgramResult run_cli(const QStringList& arguments, bool as_unprivileged_user = false) {
    QProcess program;
    if (as_unprivileged_user && ::geteuid() == 0) {
        program.setChildProcessModifier([] {
            // 65534: nobody and nogroup on Debian and most other systems.
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(99);
        });
    }
    program.start(QString::fromUtf8(TRAINBENCH_CLI), arguments);
    if (!program.waitForStarted(10000)) return {-1, "", program.errorString().toStdString()};
    if (!program.waitForFinished(60000)) {
        program.kill();
        program.waitForFinished(5000);
        return {-1, "", "did not finish within 60 s"};
    }
    return {program.exitStatus() == QProcess::NormalExit ? program.exitCode() : -1,
            program.readAllStandardOutput().toStdString(), program.readAllStandardError().toStdString()};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::int64_t count(RunStore& store, const std::string& sql) { return store.connection().query_integer(sql, "test"); }

// Files SQLite or the store would have created next to the database.
bool has_side_files(const std::filesystem::path& database) {
    for (const char* suffix : {"-wal", "-shm", "-journal", "-writers"}) {
        if (std::filesystem::exists(database.string() + suffix)) return true;
    }
    return false;
}

}  // namespace

class TestCliRunStore : public QObject {
    Q_OBJECT

private slots:
    void a_killed_cli_run_leaves_its_committed_rows_and_shows_as_interrupted() {
        QTemporaryDir folder;
        const std::filesystem::path database = in(folder, "runs.sqlite");
        QProcess run;
        run.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        run.start(QString::fromUtf8(TRAINBENCH_CLI), with_database(long_synthetic_run, database));
        QVERIFY2(run.waitForStarted(10000), qPrintable(run.errorString()));

        // Watch the store as the workbench would, through connections of its own, until several
        // evaluations are committed. Every open also checks that a live run is not taken for an
        // interrupted one.
        std::int64_t committed_points = 0;
        std::int64_t run_id = 0;
        QElapsedTimer waited;
        waited.start();
        while (committed_points < 20) {
            QVERIFY2(waited.elapsed() < 60000, "the run committed too few metric rows within 60 s");
            QVERIFY2(run.state() == QProcess::Running, "trainbench-cli run ended before it was killed");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (!std::filesystem::exists(database)) continue;
            RunStore watcher(database);
            const std::vector<RunRecord> runs = list_runs(watcher);
            if (runs.empty()) continue;
            QCOMPARE(runs.front().status, std::string("running"));
            run_id = runs.front().id;
            committed_points = count(watcher, "SELECT count(*) FROM metrics");
        }

        run.kill();  // SIGKILL on Unix: no destructor, no close, no final flush
        QVERIFY(run.waitForFinished(10000));
        QCOMPARE(run.exitStatus(), QProcess::CrashExit);

        RunStore reopened(database);
        QCOMPARE(reopened.connection().query_text("PRAGMA integrity_check", "test"), std::string("ok"));
        const RunDetails details = load_run(reopened, run_id);
        QCOMPARE(details.record.status, std::string("interrupted"));
        QVERIFY2(contains(details.record.error, "ended before the run finished"), details.record.error.c_str());
        QVERIFY2(details.metric_points >= committed_points,
                 qPrintable(QString("%1 metric rows after the kill, %2 seen before it")
                                .arg(details.metric_points)
                                .arg(committed_points)));
        QCOMPARE(details.config.at("name").get<std::string>(), std::string("sparse-mlp-synthetic"));
        QCOMPARE(details.devices.size(), std::size_t(1));
        // The summaries were kept current while the run went on: each names as many points as its series.
        QVERIFY(!details.metric_summaries.empty());
        for (const MetricSummary& summary : details.metric_summaries) {
            QCOMPARE(summary.points, count(reopened, "SELECT count(*) FROM metrics WHERE run = " + std::to_string(run_id) +
                                                         " AND key = '" + summary.key + "'"));
        }

        // And the CLI says so.
        std::ostringstream out, err;
        QCOMPARE(cli::run_runs_command({"list", "--db", database.string()}, out, err), 0);
        QVERIFY2(contains(out.str(), "interrupted"), out.str().c_str());
    }

    void a_corrupt_file_given_as_db_fails_the_command_and_is_left_untouched() {
        QTemporaryDir folder;
        const std::filesystem::path database = in(folder, "notes.sqlite");
        std::ofstream(database) << "These are my notes, not a database.\n";
        const FileSnapshot before = FileSnapshot::of(database);

        const ProgramResult run = run_cli(with_database(long_synthetic_run, database));
        QCOMPARE(run.status, 3);
        QVERIFY2(contains(run.err, database.string()) && contains(run.err, "not an SQLite database"), run.err.c_str());
        QVERIFY2(contains(run.err, "left unchanged"), run.err.c_str());

        const ProgramResult listed = run_cli(with_database({"runs", "list"}, database));
        QCOMPARE(listed.status, 1);
        QVERIFY2(contains(listed.err, "not an SQLite database"), listed.err.c_str());

        QVERIFY(FileSnapshot::of(database) == before);
        QVERIFY(!has_side_files(database));
    }

    void a_damaged_store_fails_the_run_before_it_trains_and_is_left_unchanged() {
        QTemporaryDir folder;
        const std::filesystem::path database = in(folder, "runs.sqlite");
        make_store_with_one_damaged_page(database, "metrics");
        const FileSnapshot before = FileSnapshot::of(database);

        QElapsedTimer elapsed;
        elapsed.start();
        const ProgramResult run = run_cli(with_database(long_synthetic_run, database));
        QCOMPARE(run.status, 3);
        QVERIFY2(contains(run.err, database.string()) && contains(run.err, "is damaged") &&
                     contains(run.err, "left unchanged") && contains(run.err, "--db"),
                 run.err.c_str());
        QVERIFY2(!contains(run.out, "stored as run"), run.out.c_str());
        // Refused when the store opened: the run would have trained for 600 s.
        QVERIFY2(elapsed.elapsed() < 30000, qPrintable(QString::number(elapsed.elapsed())));
        QVERIFY(FileSnapshot::of(database) == before);

        // What is still readable can be listed for rescue; reading the damaged page says so and claims
        // nothing about the file it cannot know.
        const ProgramResult listed = run_cli(with_database({"runs", "list"}, database));
        QCOMPARE(listed.status, 0);
        const ProgramResult shown = run_cli(with_database({"runs", "show", "1"}, database));
        QCOMPARE(shown.status, 1);
        QVERIFY2(contains(shown.err, "damaged") && contains(shown.err, ".recover"), shown.err.c_str());
        QVERIFY(FileSnapshot::of(database) == before);
    }

    void a_store_on_read_only_media_can_be_listed_shown_compared_and_exported() {
        QTemporaryDir folder;
        // The program may run as another user (see run_cli): let it into the temporary folder.
        QVERIFY(::chmod(folder.path().toUtf8().constData(), 0755) == 0);
        const std::filesystem::path media = in(folder, "media");
        const std::filesystem::path database = media / "runs.sqlite";
        {
            RunStore store(database);
            record_run_of_one_evaluation(store);
            record_run_of_one_evaluation(store);
        }
        std::filesystem::remove(database.string() + "-writers");
        // Read-only media: neither the file nor its folder can be written, so SQLite can create none of
        // the -shm and -wal files that WAL mode reads through.
        QVERIFY(::chmod(database.c_str(), 0444) == 0);
        QVERIFY(::chmod(media.c_str(), 0555) == 0);
        const std::filesystem::path exported = in(folder, "exported");
        std::filesystem::create_directory(exported);
        QVERIFY(::chmod(exported.c_str(), 0777) == 0);
        const FileSnapshot before = FileSnapshot::of(database);

        const ProgramResult listed = run_cli(with_database({"runs", "list"}, database), true);
        QCOMPARE(listed.status, 0);
        QVERIFY2(contains(listed.out, "adaptive-vs-sync") && listed.err.empty(), (listed.out + listed.err).c_str());
        const ProgramResult shown = run_cli(with_database({"runs", "show", "2"}, database), true);
        QCOMPARE(shown.status, 0);
        QVERIFY2(contains(shown.out, "Run 2: adaptive-vs-sync"), (shown.out + shown.err).c_str());
        const ProgramResult compared = run_cli(with_database({"runs", "compare", "1", "2"}, database), true);
        QCOMPARE(compared.status, 0);
        const ProgramResult export_run =
            run_cli(with_database({"runs", "export", "1", "--csv", QString::fromStdString(exported.string())}, database),
                    true);
        QCOMPARE(export_run.status, 0);
        QVERIFY(std::filesystem::file_size(exported / "metrics.csv") > 0);
        // Changing it is refused with the reason.
        const ProgramResult deleted = run_cli(with_database({"runs", "delete", "1"}, database), true);
        QCOMPARE(deleted.status, 1);
        QVERIFY2(contains(deleted.err, "cannot be written"), deleted.err.c_str());

        QVERIFY(FileSnapshot::of(database) == before);
        QVERIFY(!has_side_files(database));
        QVERIFY(::chmod(media.c_str(), 0755) == 0);
    }

    void a_read_only_location_fails_the_run_before_it_trains() {
        QTemporaryDir folder;
        // The program may run as another user (see run_cli): let it into the temporary folder.
        QVERIFY(::chmod(folder.path().toUtf8().constData(), 0755) == 0);
        // An existing store, as after earlier runs, made read-only: once in a folder the program may
        // write to (SQLite then opens the file read-only without complaint), once in a read-only folder.
        const std::filesystem::path open_folder = in(folder, "open");
        const std::filesystem::path locked_folder = in(folder, "locked");
        for (const std::filesystem::path& location : {open_folder, locked_folder}) {
            { RunStore store(location / "runs.sqlite"); }
            std::filesystem::remove(location / "runs.sqlite-writers");
            QVERIFY(::chmod((location / "runs.sqlite").c_str(), 0444) == 0);
        }
        QVERIFY(::chmod(open_folder.c_str(), 0777) == 0);
        QVERIFY(::chmod(locked_folder.c_str(), 0555) == 0);

        QElapsedTimer elapsed;
        elapsed.start();
        for (const std::filesystem::path& location : {open_folder, locked_folder}) {
            const std::filesystem::path database = location / "runs.sqlite";
            const FileSnapshot before = FileSnapshot::of(database);
            const ProgramResult run = run_cli(with_database(long_synthetic_run, database), true);
            QCOMPARE(run.status, 3);
            QVERIFY2(contains(run.err, database.string()) && contains(run.err, "cannot be written"), run.err.c_str());
            QVERIFY(FileSnapshot::of(database) == before);
        }
        const ProgramResult open_file = run_cli(with_database(long_synthetic_run, open_folder / "runs.sqlite"), true);
        // Refused when the store opened, not at the run's first write.
        QVERIFY2(contains(open_file.err, "left unchanged"), open_file.err.c_str());
        // Reading a store needs no write access.
        const ProgramResult listed = run_cli(with_database({"runs", "list"}, open_folder / "runs.sqlite"), true);
        QCOMPARE(listed.status, 0);
        QVERIFY2(contains(listed.out, "No runs stored yet"), listed.out.c_str());

        const std::filesystem::path in_new_folder = locked_folder / "new" / "runs.sqlite";
        const ProgramResult into_folder = run_cli(with_database(long_synthetic_run, in_new_folder), true);
        QCOMPARE(into_folder.status, 3);
        QVERIFY2(contains(into_folder.err, "could not create the folder") && contains(into_folder.err, "--db"),
                 into_folder.err.c_str());
        // All were refused before training, not after the run's 600 s.
        QVERIFY2(elapsed.elapsed() < 30000, qPrintable(QString::number(elapsed.elapsed())));
        QVERIFY(::chmod(locked_folder.c_str(), 0755) == 0);
    }

    void a_disk_that_fills_up_stops_the_run_with_a_clear_error() {
        QTemporaryDir folder;
        const std::filesystem::path database = in(folder, "runs.sqlite");
        std::int64_t pages_of_an_empty_store = 0;
        {
            RunStore store(database);
            pages_of_an_empty_store = store.connection().query_integer("PRAGMA page_count", "test");
        }
        // A size limit makes SQLite answer SQLITE_FULL exactly as a full disk does. Two pages more than
        // the empty schema take the run's row and a few evaluations, then the metrics table must grow.
        RunStoreOptions options;
        options.size_limit_bytes = (pages_of_an_empty_store + 2) * 4096;
        cli::RunStorage storage(database.string(), options);

        const std::filesystem::path preset = resolve_config_argument("sparse_mlp_synthetic");
        nlohmann::json document = read_json_file(preset);
        document.erase("description");
        apply_override(document, "stop.max_time_s=40");
        apply_override(document, "stop.max_epochs=100000");
        apply_override(document, "eval.every_s=0.05");
        const RunConfig config = parse_run_config(document, preset.parent_path());

        QElapsedTimer elapsed;
        elapsed.start();
        const RunSummary summary = run_experiment(config, storage.sink(), RunOptions{});
        QCOMPARE(summary.status(), RunStatus::failed);
        QVERIFY2(contains(summary.error(), "full") && contains(summary.error(), database.string()),
                 summary.error().c_str());
        QVERIFY2(elapsed.elapsed() < 20000, "the run went on after the store failed");
        try {
            storage.finish();
            QFAIL("finish() did not report the full store");
        } catch (const StorageError& error) {
            QCOMPARE(error.sqlite_code() & 0xff, SQLITE_FULL);
        }

        RunStore reader(database);
        const std::vector<RunRecord> runs = list_runs(reader);
        QCOMPARE(runs.size(), std::size_t(1));
        QCOMPARE(runs.front().status, std::string("failed"));
        QVERIFY2(contains(runs.front().error, "full"), runs.front().error.c_str());
        QVERIFY(count(reader, "SELECT count(*) FROM metrics") > 0);
    }
};

QTEST_GUILESS_MAIN(TestCliRunStore)
#include "test_cli_run_store.moc"
