#include "core/session/events.h"

#include <stdexcept>

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

void check_matrix_snapshot(const MatrixSnapshot& snapshot) {
    const std::string where = "matrix snapshot '" + snapshot.name + "': ";
    if (snapshot.rows < 0 || snapshot.cols < 0) {
        throw std::invalid_argument(where + "negative shape " + std::to_string(snapshot.rows) + " x " +
                                    std::to_string(snapshot.cols));
    }
    if (static_cast<std::int64_t>(snapshot.values.size()) != snapshot.rows * snapshot.cols) {
        throw std::invalid_argument(where + std::to_string(snapshot.values.size()) + " values for a " +
                                    std::to_string(snapshot.rows) + " x " + std::to_string(snapshot.cols) +
                                    " matrix");
    }
    const auto fits = [](const std::vector<std::string>& labels, std::int64_t count) {
        return labels.empty() || static_cast<std::int64_t>(labels.size()) == count;
    };
    if (!fits(snapshot.labels.rows, snapshot.rows) || !fits(snapshot.labels.columns, snapshot.cols)) {
        throw std::invalid_argument(where + "labels must be empty or one per row and one per column");
    }
}

}  // namespace tb
