// The store under the failures of real use: a writer killed with SIGKILL leaves a readable store with
// every flushed row, and its run is marked interrupted at the next open (but never while the writer
// lives); readers and a writer working at the same time never fail with "database is locked".

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/series_loading.h"
#include "storage/storage_error.h"
#include "storage/storage_sink.h"
#include "tests/storage/run_event_builders.h"
#include "tests/storage/temporary_database.h"

using namespace tb;
using namespace tb::storage;
using namespace tb::storage::testing;

namespace {

// Reads the child's "flushed N" lines until `wanted` of them arrived; answers the last N.
std::int64_t wait_for_flushes(QProcess& child, int wanted, int& seen) {
    std::int64_t last = -1;
    while (seen < wanted) {
        if (!child.canReadLine() && !child.waitForReadyRead(5000)) {
            throw std::runtime_error("the writer child stopped reporting flushes: " +
                                     child.readAllStandardError().toStdString());
        }
        while (child.canReadLine()) {
            const QString line = QString::fromUtf8(child.readLine()).trimmed();
            if (line.startsWith("flushed ")) {
                last = line.mid(8).toLongLong();
                ++seen;
            }
        }
    }
    return last;
}

}  // namespace

class TestStoreReliability : public QObject {
    Q_OBJECT

private slots:
    void a_killed_writer_leaves_its_flushed_rows_and_an_interrupted_run() {
        QTemporaryDir folder;
        const std::filesystem::path database = database_in(folder);
        QProcess child;
        child.start(QString::fromUtf8(STORE_WRITER_CHILD), {QString::fromStdString(database.string())});
        QVERIFY2(child.waitForStarted(5000), qPrintable(child.errorString()));

        int seen = 0;
        wait_for_flushes(child, 3, seen);
        {
            // A reader opening the store while the writer lives must not take its run for interrupted.
            RunStore reader(database);
            const std::vector<RunRecord> runs = list_runs(reader);
            QCOMPARE(runs.size(), std::size_t(1));
            QCOMPARE(runs.front().status, std::string("running"));
        }
        const std::int64_t flushed_before_kill = wait_for_flushes(child, seen + 5, seen);

        child.kill();  // SIGKILL: no destructor, no close, no final flush
        QVERIFY(child.waitForFinished(5000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        std::int64_t flushed = flushed_before_kill;
        // Lines printed between the last read and the kill are flushed rows too.
        for (const QByteArray& line : child.readAllStandardOutput().split('\n')) {
            if (line.startsWith("flushed ")) flushed = line.mid(8).toLongLong();
        }

        RunStore store(database);
        const std::vector<RunRecord> runs = list_runs(store);
        QCOMPARE(runs.size(), std::size_t(1));
        QCOMPARE(runs.front().status, std::string("interrupted"));
        const RunDetails details = load_run(store, runs.front().id);
        QVERIFY2(details.evaluations >= flushed,
                 qPrintable(QString("%1 evaluations stored, %2 reported flushed").arg(details.evaluations).arg(flushed)));
        QVERIFY(details.device_samples >= flushed);
        // Every stored series is whole: p@1 and loss have a point at every evaluation up to the last.
        for (const MetricSeries& series : load_metric_series(store, runs.front().id, 0)) {
            QCOMPARE(static_cast<std::int64_t>(series.points.size()), details.evaluations);
            QCOMPARE(series.points.back().step, details.evaluations - 1);
        }
        QVERIFY(store.connection().query_text("PRAGMA integrity_check", "test") == "ok");
    }

    void a_run_being_written_in_this_process_is_not_interrupted_by_a_reader() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.flush();
        RunStore reader(database_in(folder));
        QCOMPARE(reader.mark_interrupted_runs().size(), std::size_t(0));
        QCOMPARE(require_run(reader, *sink.run_id()).status, std::string("running"));
        sink.on_event(run_finished(1.0));
        sink.close();
        QCOMPARE(require_run(reader, *sink.run_id()).status, std::string("finished"));
    }

    void readers_and_a_writer_at_once_never_see_database_is_locked() {
        QTemporaryDir folder;
        const std::filesystem::path database = database_in(folder);
        RunStore store(database);
        // A finished run for the readers to load while the live one grows.
        {
            StorageSink sink(store);
            sink.on_event(run_started());
            for (int step = 0; step < 2000; ++step) sink.on_event(evaluation(step, {{"p@1", 0.5}, {"loss", 1.0}}));
            sink.on_event(run_finished(2000));
            sink.close();
        }

        std::atomic<bool> writing{true};
        std::atomic<int> reads{0};
        std::string reader_failure;
        std::thread reader([&] {
            try {
                while (writing) {
                    // Opening (which may recover interrupted runs) and querying, as the workbench does.
                    RunStore connection(database);
                    for (int round = 0; round < 10; ++round) {
                        for (const RunRecord& run : list_runs(connection)) {
                            load_run(connection, run.id);
                            load_metric_series(connection, run.id, 200);
                        }
                        ++reads;
                    }
                }
            } catch (const std::exception& error) {
                reader_failure = error.what();
            }
        });

        std::string writer_failure;
        try {
            StorageSink sink(store);
            sink.on_event(run_started());
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
            for (int step = 0; std::chrono::steady_clock::now() < until; ++step) {
                sink.on_event(evaluation(step, {{"p@1", 0.5}, {"loss", 1.0}, {"p@3", 0.4}}));
                sink.on_event(device_sample(step, step % 2, 32, 1000));
                if (step % 500 == 0) sink.flush();
            }
            sink.on_event(run_finished(1.0));
            sink.close();
        } catch (const std::exception& error) {
            writer_failure = error.what();
        }
        writing = false;
        reader.join();
        QVERIFY2(writer_failure.empty(), writer_failure.c_str());
        QVERIFY2(reader_failure.empty(), reader_failure.c_str());
        QVERIFY(reads > 0);
    }
};

QTEST_GUILESS_MAIN(TestStoreReliability)
#include "test_store_reliability.moc"
