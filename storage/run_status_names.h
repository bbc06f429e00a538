#pragma once
// The statuses a stored run can have: the engine's RunStatus values, plus `interrupted`, which only the
// store assigns (the writing program died before the run finished).

#include <algorithm>
#include <array>
#include <string_view>

namespace tb::storage {

inline constexpr std::string_view interrupted_status = "interrupted";

inline constexpr std::array<std::string_view, 6> stored_run_statuses = {
    "running", "finished", "stopped", "failed", "diverged", interrupted_status};

inline bool is_stored_run_status(std::string_view status) {
    return std::find(stored_run_statuses.begin(), stored_run_statuses.end(), status) != stored_run_statuses.end();
}

}  // namespace tb::storage
