#pragma once
// An EventSink that keeps every event, for tests that look at a run's event stream.

#include <mutex>
#include <vector>

#include "core/session/events.h"

class RunRecorder final : public tb::EventSink {
public:
    void on_event(const tb::Event& event) override { events.push_back(event); }

    template <typename T>
    std::vector<T> all() const {
        std::vector<T> found;
        for (const tb::Event& event : events) {
            if (const T* payload = std::get_if<T>(&event.payload)) found.push_back(*payload);
        }
        return found;
    }

    std::vector<tb::Event> events;
};
