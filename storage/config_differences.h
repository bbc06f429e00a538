#pragma once
// Which config keys differ between runs, as flattened JSON paths ("optimizer.lr",
// "fleet.devices[1].speed") with each run's value, so that a comparison says what was changed.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb::storage {

// Every leaf of the document by path. Strings appear without quotes, other values as compact JSON; an
// empty object or array is a leaf of its own ("{}", "[]").
std::map<std::string, std::string> flatten_json(const nlohmann::json& document);

struct ConfigDifference {
    std::string path;
    std::vector<std::optional<std::string>> values;  // one per run; empty where the run lacks the key
};

// The paths whose values are not the same in every config, in path order.
std::vector<ConfigDifference> config_differences(const std::vector<nlohmann::json>& configs);

}  // namespace tb::storage
