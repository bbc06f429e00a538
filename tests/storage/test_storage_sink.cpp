// The storage sink records everything the engine reports, keeps summaries current while the run goes on,
// commits on its own at least every 250 ms, and turns storage failures (a full disk, a read-only store)
// into a clear error that flush() and close() throw.

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <cmath>

#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/series_loading.h"
#include "storage/storage_error.h"
#include "storage/storage_sink.h"
#include "storage/telemetry_loading.h"
#include "tests/storage/run_event_builders.h"
#include "tests/storage/temporary_database.h"

using namespace tb;
using namespace tb::storage;
using namespace tb::storage::testing;

namespace {

const MetricSummary& summary_of(const RunDetails& details, const std::string& key) {
    for (const MetricSummary& summary : details.metric_summaries) {
        if (summary.key == key) return summary;
    }
    throw std::runtime_error("no summary for " + key);
}

RunStoreOptions read_only_options() {
    RunStoreOptions options;
    options.access = ConnectionAccess::read_only;
    return options;
}

RunStoreOptions size_limited_options(std::int64_t bytes) {
    RunStoreOptions options;
    options.size_limit_bytes = bytes;
    return options;
}

bool message_contains(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
}

}  // namespace

class TestStorageSink : public QObject {
    Q_OBJECT

private slots:
    void records_a_whole_run() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.on_event(device_sample(0.5, 0, 32, 1000));
        sink.on_event(device_sample(0.5, 1, 32, 400));
        sink.on_event(evaluation(1.0, {{"p@1", 0.30}, {"loss", 2.0}}, 0.5, 5000));
        sink.on_event(merge(1.5, 0, {0.7, 0.3}, {7, 3}));
        sink.on_event({1.6, 2.0, Log{LogLevel::warning, "device B is slow"}});
        sink.on_event({1.7, 2.1, Trace{"trust ratio", "output.weight (worker 1)", "optimizer step", 40, 1.2}});
        sink.on_event({1.7, 2.1, Trace{"memory: A", "parameters", {}, 0, 4096}});
        sink.on_event({1.8, 2.2, Trace{"memory: A", "parameters", {}, 0, 8192}});
        sink.on_event({1.8, 2.2, MatrixSnapshot{"merge weights", 1, 2, {0.7, 0.3}, {{}, {"A", "B"}}}});
        sink.on_event(evaluation(2.0, {{"p@1", 0.56}, {"loss", 1.2}}, 1.0, 10000));
        sink.on_event(evaluation(3.0, {{"p@1", 0.52}, {"loss", 1.4}}, 1.5, 15000));
        sink.on_event(run_finished(3.5));
        sink.close();
        QVERIFY(sink.run_id().has_value());
        QVERIFY(!sink.error().has_value());

        const RunDetails details = load_run(store, *sink.run_id());
        QCOMPARE(details.record.name, std::string("adaptive-vs-sync"));
        QCOMPARE(details.record.method, std::string("adaptive_sgd"));
        QCOMPARE(details.record.dataset, std::string("xmlc_text/bibtex_train.txt"));
        QCOMPARE(details.record.backend, std::string("cpu"));
        QCOMPARE(details.record.host, std::string("test-host"));
        QCOMPARE(details.record.status, std::string("finished"));
        QCOMPARE(details.record.run_clock_s, 3.5);
        QCOMPARE(details.record.started_unix_s, 1'700'000'000.0);
        QCOMPARE(*details.record.finished_unix_s, 1'700'000'000.0 + 4.0);
        // QCOMPARE cannot take JSON documents (Qt's comparison overloads trip over json's converting constructors).
        QVERIFY(details.config == example_config());
        QVERIFY(details.final_summary == (nlohmann::json{{"epochs", 3}}));
        QCOMPARE(details.devices.size(), std::size_t(2));
        QCOMPARE(details.devices[1].speed, 0.4);
        QCOMPARE(details.evaluations, std::int64_t(3));
        QCOMPARE(details.metric_points, std::int64_t(6));
        QCOMPARE(details.device_samples, std::int64_t(2));
        QCOMPARE(details.merges, std::int64_t(1));
        QCOMPARE(details.log_lines, std::int64_t(1));

        // Higher is better for p@1, lower for loss; time to target is the first evaluation at 0.55 or more.
        const MetricSummary& precision = summary_of(details, "p@1");
        QCOMPARE(precision.last, 0.52);
        QCOMPARE(precision.best, 0.56);
        QCOMPARE(precision.best_t, 2.0);
        QCOMPARE(*precision.target, 0.55);
        QCOMPARE(*precision.time_to_target, 2.0);
        const MetricSummary& loss = summary_of(details, "loss");
        QVERIFY(loss.lower_is_better);
        QCOMPARE(loss.best, 1.2);
        QVERIFY(!loss.target.has_value());

        const std::vector<MetricSeries> series = load_metric_series(store, *sink.run_id(), 0, {"p@1"});
        QCOMPARE(series.front().points.size(), std::size_t(3));
        QCOMPARE(series.front().points[1].epoch, 1.0);
        QCOMPARE(series.front().points[1].samples, std::int64_t(10000));
        QCOMPARE(series.front().points[1].wall_s, 2.5);
        QCOMPARE(load_merges(store, *sink.run_id()).front().weights, (std::vector<double>{0.7, 0.3}));
        QCOMPARE(load_merges(store, *sink.run_id()).front().updates, (std::vector<std::int64_t>{7, 3}));
        QCOMPARE(load_log_lines(store, *sink.run_id()).front().text, std::string("device B is slow"));
        // Traces keep their own axis, and a run-clock trace takes its x from the event's t.
        const std::vector<TraceSeries> traces = load_traces(store, *sink.run_id());
        QCOMPARE(traces.size(), std::size_t(2));
        QCOMPARE(traces[0].panel, std::string("memory: A"));
        QCOMPARE(traces[0].x_axis, std::string());
        QCOMPARE(traces[0].points.size(), std::size_t(2));
        QCOMPARE(traces[0].points[1].x, 1.8);
        QCOMPARE(traces[0].points[1].wall_s, 2.2);
        QCOMPARE(traces[0].points[1].value, 8192.0);
        QCOMPARE(traces[1].series, std::string("output.weight (worker 1)"));
        QCOMPARE(traces[1].x_axis, std::string("optimizer step"));
        QCOMPARE(traces[1].points[0].x, 40.0);
        QCOMPARE(traces[1].points[0].t, 1.7);
        const std::vector<StoredMatrixSnapshot> snapshots = load_matrix_snapshots(store, *sink.run_id());
        QCOMPARE(snapshots.size(), std::size_t(1));
        QCOMPARE(snapshots[0].matrix.values, (std::vector<double>{0.7, 0.3}));
        QCOMPARE(snapshots[0].matrix.labels.columns, (std::vector<std::string>{"A", "B"}));
        QVERIFY(snapshots[0].matrix.labels.rows.empty());
        QCOMPARE(snapshots[0].t, 1.8);
    }

    void summaries_are_current_while_the_run_progresses() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.on_event(evaluation(1.0, {{"p@1", 0.40}}));
        sink.flush();
        RunDetails details = load_run(store, *sink.run_id());
        QCOMPARE(details.record.status, std::string("running"));
        QCOMPARE(summary_of(details, "p@1").best, 0.40);
        QVERIFY(!summary_of(details, "p@1").time_to_target);
        QCOMPARE(details.record.run_clock_s, 1.0);

        sink.on_event(evaluation(2.0, {{"p@1", 0.60}}));
        sink.flush();
        details = load_run(store, *sink.run_id());
        QCOMPARE(summary_of(details, "p@1").best, 0.60);
        QCOMPARE(*summary_of(details, "p@1").time_to_target, 2.0);
        QCOMPARE(details.record.run_clock_s, 2.0);
    }

    void commits_on_its_own_within_250_ms() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.flush();
        // Read back through a second connection, as the workbench would, without asking for a flush.
        RunStore reader(database_in(folder));
        const auto stored_points = [&] {
            return reader.connection().query_integer("SELECT count(*) FROM metrics", "test");
        };
        sink.on_event(evaluation(1.0, {{"p@1", 0.4}}));
        QElapsedTimer waited;
        waited.start();
        QTRY_VERIFY_WITH_TIMEOUT(stored_points() == 1, 2000);
        // The periodic flush is 250 ms; allow a loaded machine the same again.
        QVERIFY2(waited.elapsed() < 500, std::to_string(waited.elapsed()).c_str());
    }

    void a_diverged_loss_is_stored_as_nan_and_never_best() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.on_event(evaluation(1.0, {{"loss", 2.0}}));
        sink.on_event(evaluation(2.0, {{"loss", std::nan("")}}));
        sink.on_event(run_finished(2.0, RunStatus::diverged, "loss is not a number"));
        sink.close();
        const RunDetails details = load_run(store, *sink.run_id());
        QCOMPARE(details.record.status, std::string("diverged"));
        QCOMPARE(details.record.error, std::string("loss is not a number"));
        QVERIFY(std::isnan(summary_of(details, "loss").last));
        QCOMPARE(summary_of(details, "loss").best, 2.0);
        QVERIFY(std::isnan(load_metric_series(store, *sink.run_id(), 0).front().points[1].value));
    }

    void closing_before_the_run_finished_marks_it_interrupted() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.on_event(evaluation(1.0, {{"p@1", 0.4}}));
        sink.close();
        const RunRecord run = require_run(store, *sink.run_id());
        QCOMPARE(run.status, std::string("interrupted"));
        QVERIFY(!run.error.empty());
        // Events after close are dropped, not queued forever.
        sink.on_event(evaluation(2.0, {{"p@1", 0.5}}));
        sink.flush();
    }

    void an_event_before_run_started_is_an_error() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(evaluation(1.0, {{"p@1", 0.4}}));
        QVERIFY_THROWS_EXCEPTION(StorageError, sink.flush());
        QVERIFY(message_contains(*sink.error(), "before RunStarted"));
    }

    void a_full_disk_fails_the_run_with_a_clear_error() {
        QTemporaryDir folder;
        // A size limit makes SQLite answer SQLITE_FULL exactly as a full disk does.
        RunStore store(database_in(folder), size_limited_options(256 * 1024));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.on_event(evaluation(0.0, {{"p@1", 0.1}}));
        sink.flush();
        const std::int64_t run_id = *sink.run_id();

        bool failed = false;
        for (int step = 1; step < 20000 && !failed; ++step) {
            std::map<std::string, double> metrics;
            for (int k = 0; k < 20; ++k) metrics["metric_number_" + std::to_string(k)] = step * 0.001 + k;
            sink.on_event(evaluation(step, metrics));
            // Flushed often enough that some flushes fit in the 256 KiB before the one that does not.
            if (step % 50 == 0) {
                try {
                    sink.flush();
                } catch (const StorageError& error) {
                    failed = true;
                    QCOMPARE(error.sqlite_code() & 0xff, SQLITE_FULL);
                    QVERIFY2(message_contains(error.what(), "full"), error.what());
                    QVERIFY2(message_contains(error.what(), database_in(folder).string()), error.what());
                }
            }
        }
        QVERIFY2(failed, "the store never filled up");
        QVERIFY(sink.error().has_value());
        QVERIFY_THROWS_EXCEPTION(StorageError, sink.close());

        // What was committed before the failure is readable, and the run says why it failed.
        RunStore reader(database_in(folder));
        const RunRecord run = require_run(reader, run_id);
        QCOMPARE(run.status, std::string("failed"));
        QVERIFY2(message_contains(run.error, "full"), run.error.c_str());
        QVERIFY(reader.connection().query_integer("SELECT count(*) FROM metrics", "test") > 1);
    }

    void a_read_only_store_fails_the_run_with_a_clear_error() {
        QTemporaryDir folder;
        { RunStore create(database_in(folder)); }
        RunStore store(database_in(folder), read_only_options());
        StorageSink sink(store);
        sink.on_event(run_started());
        try {
            sink.flush();
            QFAIL("a read-only store recorded a run");
        } catch (const StorageError& error) {
            QCOMPARE(error.sqlite_code() & 0xff, SQLITE_READONLY);
            QVERIFY2(message_contains(error.what(), "cannot be written"), error.what());
        }
        QVERIFY(!sink.run_id().has_value());
        QVERIFY_THROWS_EXCEPTION(StorageError, sink.close());
    }

    void a_second_run_through_one_sink_is_refused() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.on_event(run_finished(1.0));
        sink.flush();
        sink.on_event(run_started());
        QVERIFY_THROWS_EXCEPTION(StorageError, sink.flush());
        QCOMPARE(list_runs(store).size(), std::size_t(1));
        QCOMPARE(list_runs(store).front().status, std::string("finished"));
    }
};

QTEST_GUILESS_MAIN(TestStorageSink)
#include "test_storage_sink.moc"
