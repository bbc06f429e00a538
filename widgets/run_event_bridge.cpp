#include "widgets/run_event_bridge.h"

#include <QMetaObject>

#include <algorithm>

namespace tb::widgets {

namespace {

bool is_run_boundary(const Event& event) {
    return std::holds_alternative<RunStarted>(event.payload) || std::holds_alternative<RunFinished>(event.payload);
}

}  // namespace

RunEventBridge::RunEventBridge(QObject* parent, int min_interval_ms)
    : QObject(parent), min_interval_ms_(min_interval_ms) {
    spacing_timer_.setSingleShot(true);
    connect(&spacing_timer_, &QTimer::timeout, this, &RunEventBridge::deliver);
}

void RunEventBridge::on_event(const Event& event) {
    bool post = false;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(event);
        post = !delivery_posted_ || is_run_boundary(event);
        delivery_posted_ = true;
    }
    if (post) QMetaObject::invokeMethod(this, &RunEventBridge::deliver, Qt::QueuedConnection);
}

void RunEventBridge::deliver() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<Event> batch;
    {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) {
            delivery_posted_ = false;
            return;
        }
        const bool boundary = std::any_of(queue_.begin(), queue_.end(), is_run_boundary);
        const auto since_last = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_delivery_).count();
        if (!boundary && since_last < min_interval_ms_) {
            // Too soon after the last delivery: collect more and come back when the interval is over.
            if (!spacing_timer_.isActive()) spacing_timer_.start(static_cast<int>(min_interval_ms_ - since_last));
            return;
        }
        batch.swap(queue_);
        delivery_posted_ = false;
    }
    last_delivery_ = now;
    ++deliveries_;
    events_delivered_ += static_cast<long long>(batch.size());
    emit eventsArrived(batch);
}

}  // namespace tb::widgets
