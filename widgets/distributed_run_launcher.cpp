#include "widgets/distributed_run_launcher.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>

#include <unistd.h>

#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "widgets/stored_run_replay.h"

namespace tb::widgets {

namespace {

QString find_mpirun(const DistributedRunPlan& plan) {
    if (!plan.mpirun.isEmpty()) return plan.mpirun;
    return QStandardPaths::findExecutable(QStringLiteral("mpirun"));
}

QString find_program(const DistributedRunPlan& plan) {
    if (!plan.program.isEmpty()) return plan.program;
    const QString configured = qEnvironmentVariable("TRAINBENCH_CLI");
    if (!configured.isEmpty()) return configured;
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("trainbench-cli"));
}

bool hosts_are_this_machine(const QString& hosts) {
    for (const QString& entry : hosts.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString host = entry.section(QLatin1Char(':'), 0, 0).trimmed();
        if (host != QStringLiteral("localhost") && host != QStringLiteral("127.0.0.1")) return false;
    }
    return true;
}

std::int64_t newest_run_id(const std::filesystem::path& database) {
    if (!std::filesystem::exists(database)) return 0;
    storage::RunStore store = storage::RunStore::open_for_queries(database);
    storage::RunFilter newest;
    newest.limit = 1;
    const std::vector<storage::RunRecord> runs = storage::list_runs(store, newest);
    return runs.empty() ? 0 : runs.front().id;
}

}  // namespace

QStringList distributed_run_arguments(const DistributedRunPlan& plan, const QString& config_file,
                                      const std::filesystem::path& database) {
    QStringList arguments{QStringLiteral("--host"), plan.hosts, QStringLiteral("-np"), QString::number(plan.processes)};
    // On this machine alone the processes may outnumber its cores (one per device); Open MPI refuses
    // that unless told.
    if (hosts_are_this_machine(plan.hosts)) arguments << QStringLiteral("--oversubscribe");
    if (geteuid() == 0) arguments.prepend(QStringLiteral("--allow-run-as-root"));
    arguments << find_program(plan) << QStringLiteral("run") << config_file << QStringLiteral("--distributed")
              << QStringLiteral("--quiet") << QStringLiteral("--db") << QString::fromStdString(database.string())
              << QStringLiteral("--rank-timeout-s") << QString::number(plan.rank_timeout_s);
    return arguments;
}

DistributedRunLauncher::DistributedRunLauncher(QObject* parent) : QObject(parent) {
    process_.setProcessChannelMode(QProcess::MergedChannels);
    connect(&process_, &QProcess::readyReadStandardOutput, this,
            [this] { output_ += QString::fromUtf8(process_.readAllStandardOutput()); });
    connect(&process_, &QProcess::finished, this, &DistributedRunLauncher::on_finished);
    follow_timer_.setInterval(500);
    connect(&follow_timer_, &QTimer::timeout, this, &DistributedRunLauncher::follow);
}

DistributedRunLauncher::~DistributedRunLauncher() {
    if (running()) {
        process_.terminate();
        if (!process_.waitForFinished(10000)) process_.kill();
        process_.waitForFinished(5000);
    }
}

bool DistributedRunLauncher::launch(const RunConfig& config, const DistributedRunPlan& plan, const std::filesystem::path& database,
                                    QString& error) {
    if (running()) {
        error = QStringLiteral("a distributed run is going already");
        return false;
    }
    if (database.empty()) {
        error = QStringLiteral("a distributed run is followed through the run store, and there is none: choose one with "
                               "Run store…");
        return false;
    }
    const QString mpirun = find_mpirun(plan);
    if (mpirun.isEmpty() || !QFile::exists(mpirun)) {
        error = QStringLiteral("mpirun was not found on the PATH; install Open MPI (openmpi-bin) on every host");
        return false;
    }
    const QString program = find_program(plan);
    if (!QFile::exists(program)) {
        error = QStringLiteral("trainbench-cli was not found at %1; install it beside the workbench, or set "
                               "TRAINBENCH_CLI to its path")
                    .arg(program);
        return false;
    }
    folder_ = std::make_unique<QTemporaryDir>();
    const QString config_file = folder_->filePath(QStringLiteral("distributed_run.json"));
    {
        QFile file(config_file);
        if (!file.open(QIODevice::WriteOnly)) {
            error = QStringLiteral("cannot write the config for the ranks to %1").arg(config_file);
            return false;
        }
        // Data paths are written as the config holds them; every rank reads the same files (a shared file
        // system), found as described below.
        nlohmann::json document = to_json(config);
        file.write(QByteArray::fromStdString(document.dump(2)));
    }
    try {
        newest_run_before_ = newest_run_id(database);
    } catch (const std::exception& problem) {
        error = QString::fromStdString(problem.what());
        return false;
    }
    database_ = database;
    run_id_.reset();
    events_delivered_ = 0;
    output_.clear();
    DistributedRunPlan resolved = plan;
    resolved.program = program;
    // The ranks read a copy of the config written to a temporary folder, so its relative data paths would
    // resolve there: unless the person named a data folder (TRAINBENCH_DATA), the config's own folder is
    // named as the one to search.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (environment.value(QStringLiteral("TRAINBENCH_DATA")).isEmpty() && !config.config_folder.empty()) {
        environment.insert(QStringLiteral("TRAINBENCH_DATA"), QString::fromStdString(config.config_folder.string()));
    }
    process_.setProcessEnvironment(environment);
    QStringList arguments = distributed_run_arguments(resolved, config_file, database);
    // Every rank, on any host, looks for relative data paths where the workbench does.
    if (environment.contains(QStringLiteral("TRAINBENCH_DATA"))) {
        arguments.prepend(QStringLiteral("TRAINBENCH_DATA"));
        arguments.prepend(QStringLiteral("-x"));
    }
    if (!config.config_folder.empty()) process_.setWorkingDirectory(QString::fromStdString(config.config_folder.string()));
    process_.start(mpirun, arguments);
    if (!process_.waitForStarted(10000)) {
        error = QStringLiteral("mpirun did not start: %1").arg(process_.errorString());
        return false;
    }
    follow_timer_.start();
    emit runLaunched();
    return true;
}

void DistributedRunLauncher::stop() {
    if (running()) process_.terminate();
}

void DistributedRunLauncher::wait() {
    if (running()) process_.waitForFinished(-1);
}

void DistributedRunLauncher::follow() {
    try {
        storage::RunStore store = storage::RunStore::open_for_queries(database_);
        if (!run_id_) {
            storage::RunFilter newest;
            newest.limit = 1;
            const std::vector<storage::RunRecord> runs = storage::list_runs(store, newest);
            if (runs.empty() || runs.front().id <= newest_run_before_) return;
            run_id_ = runs.front().id;
        }
        QElapsedTimer reading;
        reading.start();
        StoredRunReplay replay = replay_stored_run(store, *run_id_);
        // Each turn reads the whole run back, which grows with it: the turns are spaced to at least ten
        // times the last read, so that following a long run takes at most a tenth of the GUI thread.
        follow_timer_.setInterval(static_cast<int>(std::clamp<qint64>(10 * reading.elapsed(), 500, 5000)));
        // The end is delivered once the job has ended (on_finished), from the final record.
        if (!replay.events.empty() && std::holds_alternative<RunFinished>(replay.events.back().payload)) replay.events.pop_back();
        if (replay.events.size() <= events_delivered_) return;
        std::vector<Event> fresh(replay.events.begin() + static_cast<std::ptrdiff_t>(events_delivered_), replay.events.end());
        events_delivered_ = replay.events.size();
        emit eventsArrived(fresh);
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): rank 0 may hold the store a moment; next turn
    }
}

void DistributedRunLauncher::on_finished(int exit_code, QProcess::ExitStatus status) {
    follow_timer_.stop();
    output_ += QString::fromUtf8(process_.readAllStandardOutput());
    follow();
    // The stored run's end, as recorded by rank 0.
    if (run_id_) {
        try {
            storage::RunStore store = storage::RunStore::open_for_queries(database_);
            StoredRunReplay replay = replay_stored_run(store, *run_id_);
            if (!replay.events.empty() && std::holds_alternative<RunFinished>(replay.events.back().payload)) {
                emit eventsArrived({replay.events.back()});
            }
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the run list shows the store's state
        }
    }
    const bool clean = status == QProcess::NormalExit && exit_code == 0;
    emit runEnded(run_id_, clean ? QString() : output_.trimmed());
}

}  // namespace tb::widgets
