#include "storage/config_differences.h"

#include <set>

namespace tb::storage {
namespace {

void flatten_into(const nlohmann::json& value, const std::string& path, std::map<std::string, std::string>& leaves) {
    if (value.is_object() && !value.empty()) {
        for (const auto& [key, child] : value.items()) flatten_into(child, path.empty() ? key : path + "." + key, leaves);
        return;
    }
    if (value.is_array() && !value.empty()) {
        for (std::size_t index = 0; index < value.size(); ++index) {
            flatten_into(value[index], path + "[" + std::to_string(index) + "]", leaves);
        }
        return;
    }
    leaves[path] = value.is_string() ? value.get<std::string>()
                                     : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::map<std::string, std::string> flatten_json(const nlohmann::json& document) {
    std::map<std::string, std::string> leaves;
    flatten_into(document, "", leaves);
    return leaves;
}

std::vector<ConfigDifference> config_differences(const std::vector<nlohmann::json>& configs) {
    std::vector<std::map<std::string, std::string>> flattened;
    std::set<std::string> paths;
    for (const nlohmann::json& config : configs) {
        flattened.push_back(flatten_json(config));
        for (const auto& leaf : flattened.back()) paths.insert(leaf.first);
    }
    std::vector<ConfigDifference> differences;
    for (const std::string& path : paths) {
        ConfigDifference difference{path, {}};
        for (const auto& leaves : flattened) {
            const auto leaf = leaves.find(path);
            difference.values.push_back(leaf == leaves.end() ? std::nullopt : std::optional<std::string>(leaf->second));
        }
        bool all_equal = true;
        for (const auto& value : difference.values) all_equal = all_equal && value == difference.values.front();
        if (!all_equal) differences.push_back(std::move(difference));
    }
    return differences;
}

}  // namespace tb::storage
