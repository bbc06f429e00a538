#pragma once
// The engine's events, carried to the GUI thread. The engine calls on_event on its own thread; the
// bridge copies the event into a queue and, when no delivery is pending, posts one queued call to the
// GUI thread. That call takes the whole queue at once, so however fast the engine emits (16 devices
// sampling every few milliseconds), the GUI thread sees at most one delivery per interval. Deliveries
// are spaced at least `min_interval_ms` apart (default 50 ms, about 20 per second); RunStarted and
// RunFinished go out without waiting, so a run's start and end show at once.

#include <QObject>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "core/session/events.h"

namespace tb::widgets {

class RunEventBridge final : public QObject, public EventSink {
    Q_OBJECT
public:
    explicit RunEventBridge(QObject* parent = nullptr, int min_interval_ms = 50);

    // Engine thread.
    void on_event(const Event& event) override;

    // GUI thread: how many deliveries and events went out so far.
    long long deliveries() const { return deliveries_; }
    long long events_delivered() const { return events_delivered_; }

signals:
    // GUI thread, in engine order.
    void eventsArrived(const std::vector<tb::Event>& events);

private:
    void deliver();

    const int min_interval_ms_;
    std::mutex mutex_;
    std::vector<Event> queue_;
    bool delivery_posted_ = false;  // guarded by mutex_

    QTimer spacing_timer_;
    std::chrono::steady_clock::time_point last_delivery_{};
    long long deliveries_ = 0;
    long long events_delivered_ = 0;
};

}  // namespace tb::widgets
