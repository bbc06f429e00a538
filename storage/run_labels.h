#pragma once
// The short labels a run is listed and filtered by, derived from its config and fleet so that every
// writer derives them the same way: method, data set, backend, and the stop target.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/session/events.h"

namespace tb::storage {

// config.method.kind, or "" when absent.
std::string method_label(const nlohmann::json& config);

// config.dataset.kind, then "/" and the file name of config.dataset.train ("xmlc_text/bibtex_train.txt"),
// else config.dataset.name or config.dataset.shape for synthetic sets ("synthetic_xmlc/small"); the kind
// alone when none is given.
std::string dataset_label(const nlohmann::json& config);

// The distinct backends of the fleet in fleet order, joined with '+': "cpu", "cuda", "cpu+cuda".
std::string backend_label(const std::vector<DeviceDescription>& devices);

// The run's name: RunStarted.run_name, else config.name, else "unnamed".
std::string run_name_label(const RunStarted& started);

struct StopTarget {
    std::string metric;
    double value = 0;
};

// config.stop.target {metric, value}; absent (or incomplete) means the run has no target.
std::optional<StopTarget> stop_target(const nlohmann::json& config);

}  // namespace tb::storage
