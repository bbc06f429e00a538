// A time-to-target study killed with SIGKILL part-way and started again finishes without repeating the
// runs it had stored, through the real program: the second start takes every completed run from the store,
// runs only the rest, and ends with the same tables as a study that was never interrupted (simulated-clock
// runs are deterministic, so a repeated or skipped run would show). The store holds one completed run per
// name, every one tagged with the study, and the run the kill cut short is marked interrupted.

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "storage/run_listing.h"
#include "storage/run_store.h"

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
    return count;
}

// 2 fleets x 2 methods x (2 tuned points + 2 test seeds) = 16 runs of a few tenths of a second each.
const char* const study_document = R"({
  "name": "resume",
  "method": {"kind": "sync_sgd"},
  "dataset": {"kind": "synthetic_xmlc", "shape": "small", "seed": 1, "train_samples": 3000, "test_samples": 1000},
  "model": {"kind": "sparse_mlp", "hidden": [32], "loss": "softmax"},
  "optimizer": {"kind": "sgd", "lr": 4.0, "momentum": 0.0},
  "fleet": {"preset": "v100x4"},
  "stop": {"max_time_s": 1000, "max_epochs": 4},
  "eval": {"every_s": 1000, "every_epochs": 0.5, "metrics": ["p@1", "loss"]},
  "study": {
    "kind": "time_to_target", "name": "resume-study",
    "target": {"metric": "p@1", "value": 0.3},
    "datasets": [{"label": "synthetic"}],
    "fleets": [{"label": "v100x4", "fleet": {"preset": "v100x4"}}, {"label": "v100x8", "fleet": {"preset": "v100x8"}}],
    "methods": [
      {"label": "adaptive", "method": {"kind": "adaptive_sgd", "mega_batch": 1024, "batch_min": 32, "batch_max": 256,
                                        "batch_step": 16, "batch_after_warmup": 64, "warmup_epochs": 1},
       "grid": {"optimizer.lr": [2, 8]}},
      {"label": "sync", "method": {"kind": "sync_sgd", "batch_size": 256}, "grid": {"optimizer.momentum": [0, 0.9]}}
    ],
    "seeds": [1, 2],
    "tuning": {"validation_fraction": 0.2}
  }
})";

struct Finished {
    int status = -1;
    std::string out;
};

Finished run_study(const QStringList& arguments) {
    QProcess program;
    program.start(QString::fromUtf8(TRAINBENCH_CLI), arguments);
    if (!program.waitForStarted(10000) || !program.waitForFinished(120000)) {
        program.kill();
        program.waitForFinished(5000);
        return {-1, "did not finish within 120 s"};
    }
    return {program.exitStatus() == QProcess::NormalExit ? program.exitCode() : -1,
            program.readAllStandardOutput().toStdString() + program.readAllStandardError().toStdString()};
}

// The tables: everything from the first blank line on.
std::string tables_of(const std::string& out) {
    const std::size_t start = out.find("\n\n");
    return start == std::string::npos ? std::string() : out.substr(start);
}

}  // namespace

class TestStudyResume : public QObject {
    Q_OBJECT

private slots:
    void a_killed_study_resumes_without_repeating_stored_runs() {
        QTemporaryDir folder;
        const QString study_file = folder.filePath("study.json");
        std::ofstream(study_file.toStdString()) << study_document;
        const QString killed_store = folder.filePath("killed.sqlite");

        // Started, then killed with SIGKILL once it has reported four runs.
        QProcess first;
        first.setProcessChannelMode(QProcess::MergedChannels);
        first.start(QString::fromUtf8(TRAINBENCH_CLI), {"study", study_file, "--db", killed_store, "--jobs", "1"});
        QVERIFY(first.waitForStarted(10000));
        std::string printed;
        QElapsedTimer waited;
        waited.start();
        while (count_of(printed, "\n[") < 4 && waited.elapsed() < 60000 && first.state() == QProcess::Running) {
            first.waitForReadyRead(200);
            printed += first.readAll().toStdString();
        }
        QVERIFY2(count_of(printed, "\n[") >= 4, printed.c_str());
        QVERIFY2(!contains(printed, "[16/16]"), "the study ended before it could be killed");
        ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
        QVERIFY(first.waitForFinished(10000));
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        printed += first.readAll().toStdString();
        const std::size_t reported_before_kill = count_of(printed, "\n[");

        const Finished resumed = run_study({"study", study_file, "--db", killed_store, "--jobs", "1"});
        QVERIFY2(resumed.status == 0, resumed.out.c_str());
        QVERIFY2(contains(resumed.out, "[16/16]"), resumed.out.c_str());
        // Every run reported before the kill is taken from the store; nothing else is.
        QVERIFY2(count_of(resumed.out, ", stored (") >= reported_before_kill, resumed.out.c_str());
        QVERIFY2(count_of(resumed.out, ", stored (") < 16, resumed.out.c_str());

        const Finished uninterrupted = run_study({"study", study_file, "--db", folder.filePath("whole.sqlite"), "--jobs", "2"});
        QVERIFY2(uninterrupted.status == 0, uninterrupted.out.c_str());
        QVERIFY2(!contains(uninterrupted.out, ", stored ("), uninterrupted.out.c_str());
        QCOMPARE(QString::fromStdString(tables_of(resumed.out)), QString::fromStdString(tables_of(uninterrupted.out)));

        // One completed run per name, each tagged; at most the one in flight at the kill left interrupted.
        tb::storage::RunStore store(killed_store.toStdString());
        std::map<std::string, int> completed;
        int interrupted = 0;
        for (const tb::storage::RunRecord& record : tb::storage::list_runs(store)) {
            if (record.status == "finished" || record.status == "diverged") {
                ++completed[record.name];
                QVERIFY2(record.tags == std::vector<std::string>{"study:resume-study"}, record.name.c_str());
            } else {
                QVERIFY2(record.status == "interrupted", (record.name + ": " + record.status).c_str());
                ++interrupted;
            }
        }
        QCOMPARE(completed.size(), std::size_t{16});
        for (const auto& [name, count] : completed) QVERIFY2(count == 1, name.c_str());
        QVERIFY(interrupted <= 1);

        // A third start runs nothing.
        const Finished again = run_study({"study", study_file, "--db", killed_store, "--jobs", "2"});
        QVERIFY2(again.status == 0, again.out.c_str());
        QCOMPARE(count_of(again.out, ", stored ("), std::size_t{16});

        // --stored-only reads without running: the same tables, from a store it does not write to.
        const Finished stored_only = run_study({"study", study_file, "--db", killed_store, "--stored-only"});
        QVERIFY2(stored_only.status == 0, stored_only.out.c_str());
        QVERIFY2(contains(stored_only.out, "16 of the 16 runs are stored"), stored_only.out.c_str());
        QCOMPARE(QString::fromStdString(stored_only.out.substr(stored_only.out.find("\n\n"))),
                 QString::fromStdString(tables_of(uninterrupted.out)));
        const Finished nothing_stored = run_study({"study", study_file, "--db", folder.filePath("empty.sqlite"), "--stored-only"});
        QCOMPARE(nothing_stored.status, 1);
        QVERIFY2(contains(nothing_stored.out, "0 of the 16 runs are stored"), nothing_stored.out.c_str());
    }
};

QTEST_GUILESS_MAIN(TestStudyResume)
#include "test_study_resume.moc"
