#include "widgets/run_launcher.h"

#include <algorithm>
#include <cerrno>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/session/event_fanout.h"
#include "storage/run_store.h"
#include "storage/storage_sink.h"

namespace tb::widgets {

namespace {

// The engine runs a few steps of niceness below the interface: on a machine whose cores it keeps busy
// (its CPU backend's thread team included, which inherits this), the GUI thread still gets the CPU
// when it has work, so the window never freezes. On Linux niceness is per thread.
void run_engine_below_the_interface() {
#ifdef __linux__
    constexpr int engine_niceness_step = 5;
    const auto thread = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, thread);
    if (errno == 0) setpriority(PRIO_PROCESS, thread, std::min(current + engine_niceness_step, 19));
#endif
}

}  // namespace

RunLauncher::RunLauncher(std::filesystem::path database, QObject* parent)
    : QObject(parent), database_(std::move(database)), bridge_(this) {}

bool RunLauncher::set_database(std::filesystem::path database) {
    if (thread_ != nullptr) return false;
    database_ = std::move(database);
    return true;
}

RunLauncher::~RunLauncher() {
    stop();
    if (thread_ != nullptr) {
        thread_->wait();
        delete thread_;
        thread_ = nullptr;
    }
}

bool RunLauncher::launch(const RunConfig& config) {
    if (thread_ != nullptr) return false;
    cancel_ = false;
    pause_ = false;
    stored_run_id_.reset();
    store_error_.clear();
    trained_ = false;
    BackendFactory backend_factory = backend_factory_maker_ ? backend_factory_maker_() : BackendFactory();
    thread_ = QThread::create([this, config, backend_factory] {
        run_engine_below_the_interface();
        RunOptions options;
        options.cancel = &cancel_;
        options.pause = &pause_;
        options.gpu_backend_factory = backend_factory;
        EventFanout sinks;
        sinks.add(bridge_);
        // The store is opened on this thread: a store connection belongs to the thread that made it.
        std::unique_ptr<storage::RunStore> store;
        std::unique_ptr<storage::StorageSink> storage_sink;
        if (!database_.empty()) {
            try {
                store = std::make_unique<storage::RunStore>(database_);
                storage_sink = std::make_unique<storage::StorageSink>(*store);
                sinks.add(*storage_sink);
            } catch (const std::exception& error) {
                store_error_ = QString::fromStdString(error.what());
                return;
            }
        }
        trained_ = true;
        try {
            run_experiment(config, sinks, options);
        } catch (const std::exception& error) {
            // run_experiment throws only when a sink fails; the run's end is then unknown to the window.
            store_error_ = QString::fromStdString(error.what());
        }
        if (storage_sink) {
            try {
                storage_sink->close();
                stored_run_id_ = storage_sink->run_id();
            } catch (const std::exception& error) {
                store_error_ = QString::fromStdString(error.what());
            }
        }
    });
    thread_->setObjectName(QStringLiteral("engine"));
    connect(thread_, &QThread::finished, this, &RunLauncher::on_thread_finished);
    thread_->start();
    emit runLaunched();
    return true;
}

void RunLauncher::set_paused(bool paused) {
    if (pause_.exchange(paused) != paused) emit pausedChanged(paused);
}

void RunLauncher::stop() {
    cancel_ = true;
    set_paused(false);
}

void RunLauncher::wait() {
    if (thread_ != nullptr) thread_->wait();
}

void RunLauncher::on_thread_finished() {
    if (thread_ == nullptr) return;
    thread_->deleteLater();
    thread_ = nullptr;
    emit runEnded(stored_run_id_, store_error_);
}

}  // namespace tb::widgets
