#pragma once
// Passes every event to several sinks, in the order they were added.

#include <vector>

#include "core/session/events.h"

namespace tb {

class EventFanout final : public EventSink {
public:
    void add(EventSink& sink) { sinks_.push_back(&sink); }
    void on_event(const Event& event) override {
        for (EventSink* sink : sinks_) sink->on_event(event);
    }

private:
    std::vector<EventSink*> sinks_;
};

}  // namespace tb
