#pragma once
// Launches a distributed run from the workbench: trainbench-cli run --distributed started by mpirun over
// a host list, recorded by rank 0 in the workbench's run store, and followed there while it runs, so the
// dashboard shows rank 0's events live through the same path as a run in this process.
//
// Following reads the store, not a pipe: rank 0 commits its rows in small transactions as it goes, so
// every half second (longer once reading a long run back takes more than a twentieth of that) the run is
// read back (stored_run_replay.h) and the events not yet delivered go out.
// The store is the one contract, whether the ranks run here or on other hosts.

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "core/session/events.h"
#include "core/session/run_config.h"

class QTemporaryDir;

namespace tb::widgets {

struct DistributedRunPlan {
    // mpirun's host list: "localhost", or "node-a:2,node-b:2" (host:slots, comma-separated).
    QString hosts = QStringLiteral("localhost");
    int processes = 1;
    double rank_timeout_s = 120;
    // Where mpirun and trainbench-cli are: empty finds them (mpirun on the PATH; trainbench-cli as
    // TRAINBENCH_CLI names it, or beside the workbench).
    QString mpirun;
    QString program;
};

// The mpirun command line for a plan (for the log and the tests): options, then the program.
QStringList distributed_run_arguments(const DistributedRunPlan& plan, const QString& config_file,
                                      const std::filesystem::path& database);

class DistributedRunLauncher final : public QObject {
    Q_OBJECT
public:
    explicit DistributedRunLauncher(QObject* parent = nullptr);
    ~DistributedRunLauncher() override;  // ends a running job

    bool running() const { return process_.state() != QProcess::NotRunning; }
    // Starts the job; false with `error` set when it cannot (no store, no mpirun, no trainbench-cli).
    bool launch(const RunConfig& config, const DistributedRunPlan& plan, const std::filesystem::path& database, QString& error);
    // Asks mpirun to end the job (SIGTERM, which it passes on to every rank); rank 0 records the run.
    void stop();
    // Blocks until the job ended (for shutdown and tests).
    void wait();

signals:
    void runLaunched();
    // GUI thread, in run order: what rank 0 stored since the last delivery.
    void eventsArrived(const std::vector<tb::Event>& events);
    // The job ended; `problem` is empty when mpirun ended normally, else what it and the ranks printed.
    void runEnded(std::optional<std::int64_t> stored_run_id, const QString& problem);

private:
    void follow();
    void on_finished(int exit_code, QProcess::ExitStatus status);

    QProcess process_;
    QTimer follow_timer_;
    std::unique_ptr<QTemporaryDir> folder_;
    std::filesystem::path database_;
    std::int64_t newest_run_before_ = 0;  // the store's newest run id when the job started
    std::optional<std::int64_t> run_id_;
    std::size_t events_delivered_ = 0;
    QString output_;
};

}  // namespace tb::widgets
