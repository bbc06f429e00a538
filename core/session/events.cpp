#include "core/session/events.h"

namespace tb {

const char* to_string(RunStatus status) {
    switch (status) {
        case RunStatus::running: return "running";
        case RunStatus::finished: return "finished";
        case RunStatus::stopped: return "stopped";
        case RunStatus::failed: return "failed";
        case RunStatus::diverged: return "diverged";
    }
    return "unknown";
}

}  // namespace tb
