#pragma once
// Launches one experiment at a time on an engine thread of its own, records it in the run store, and
// carries its events to the GUI thread through a RunEventBridge. Pause and stop are atomic flags the
// engine polls (RunOptions::pause, RunOptions::cancel); the GUI thread never waits for the engine.

#include <QObject>
#include <QThread>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "widgets/run_event_bridge.h"

namespace tb::widgets {

class RunLauncher final : public QObject {
    Q_OBJECT
public:
    // database: the run store the runs are recorded in; empty: runs are not recorded.
    explicit RunLauncher(std::filesystem::path database, QObject* parent = nullptr);
    ~RunLauncher() override;  // stops a running experiment and waits for its thread

    RunEventBridge& bridge() { return bridge_; }
    const std::filesystem::path& database() const { return database_; }
    // Where the next run is recorded (empty: it is not). False, changing nothing, while a run is going.
    bool set_database(std::filesystem::path database);
    // Makes the factory for devices whose backend is not cpu, once per run (each run partitions its GPUs
    // afresh). Without one, such devices fail the run with the engine's explanation.
    void set_backend_factory_maker(std::function<BackendFactory()> maker) { backend_factory_maker_ = std::move(maker); }

    bool running() const { return thread_ != nullptr; }
    bool paused() const { return pause_.load(); }

    // Starts the run; false when one is already running. A store that cannot record the run (damaged,
    // read-only, ...) ends it before it trains, as `trainbench-cli run` does: runEnded then carries the
    // store's error and trained() is false.
    bool launch(const RunConfig& config);
    // Whether the last run got as far as training (false when its store refused it).
    bool trained() const { return trained_; }
    void set_paused(bool paused);
    void stop();
    // Blocks until the engine thread ended (for shutdown and tests).
    void wait();

signals:
    void runLaunched();
    void pausedChanged(bool paused);
    // The engine thread ended; store_error is empty unless recording the run failed.
    void runEnded(std::optional<std::int64_t> stored_run_id, const QString& store_error);

private:
    void on_thread_finished();

    std::filesystem::path database_;
    std::function<BackendFactory()> backend_factory_maker_;
    RunEventBridge bridge_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> pause_{false};
    QThread* thread_ = nullptr;
    // Written by the engine thread before it ends, read by the GUI thread after.
    std::optional<std::int64_t> stored_run_id_;
    QString store_error_;
    bool trained_ = false;
};

}  // namespace tb::widgets
