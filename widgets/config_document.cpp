#include "widgets/config_document.h"

#include <regex>

namespace tb::widgets {

namespace {

struct KeyStep {
    std::string key;               // empty for a pure index step
    std::optional<std::size_t> index;
};

std::vector<KeyStep> split_key_path(const std::string& key_path) {
    std::vector<KeyStep> steps;
    std::size_t position = 0;
    while (position <= key_path.size()) {
        const std::size_t dot = key_path.find('.', position);
        std::string part = key_path.substr(position, dot == std::string::npos ? std::string::npos : dot - position);
        const std::size_t bracket = part.find('[');
        if (bracket == std::string::npos) {
            steps.push_back({part, std::nullopt});
        } else {
            steps.push_back({part.substr(0, bracket), std::nullopt});
            std::size_t open = bracket;
            while (open != std::string::npos) {
                const std::size_t close = part.find(']', open);
                steps.push_back({"", static_cast<std::size_t>(std::stoul(part.substr(open + 1, close - open - 1)))});
                open = part.find('[', close);
            }
        }
        if (dot == std::string::npos) break;
        position = dot + 1;
    }
    return steps;
}

}  // namespace

const nlohmann::json* find_key(const nlohmann::json& document, const std::string& key_path) {
    const nlohmann::json* node = &document;
    for (const KeyStep& step : split_key_path(key_path)) {
        if (step.index) {
            if (!node->is_array() || *step.index >= node->size()) return nullptr;
            node = &(*node)[*step.index];
        } else {
            if (!node->is_object()) return nullptr;
            const auto found = node->find(step.key);
            if (found == node->end()) return nullptr;
            node = &*found;
        }
    }
    return node;
}

void set_key(nlohmann::json& document, const std::string& key_path, const nlohmann::json& value) {
    const std::vector<KeyStep> steps = split_key_path(key_path);
    nlohmann::json* node = &document;
    for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
        const KeyStep& step = steps[i];
        if (step.index) {
            if (!node->is_array()) *node = nlohmann::json::array();
            while (node->size() <= *step.index) node->push_back(nlohmann::json::object());
            node = &(*node)[*step.index];
        } else {
            if (!node->is_object()) *node = nlohmann::json::object();
            node = &(*node)[step.key];
        }
    }
    const KeyStep& last = steps.back();
    if (last.index) {
        if (!node->is_array()) *node = nlohmann::json::array();
        while (node->size() <= *last.index) node->push_back(nlohmann::json::object());
        (*node)[*last.index] = value;
        return;
    }
    if (!node->is_object()) *node = nlohmann::json::object();
    if (value.is_null()) {
        node->erase(last.key);
    } else {
        (*node)[last.key] = value;
    }
}

nlohmann::json& list_at(nlohmann::json& document, const std::string& key_path) {
    const nlohmann::json* found = find_key(document, key_path);
    if (found == nullptr || !found->is_array()) set_key(document, key_path, nlohmann::json::array());
    // set_key made every step on the way, so the path now leads to the array.
    nlohmann::json::json_pointer pointer;
    for (const KeyStep& step : split_key_path(key_path)) {
        pointer /= step.index ? std::to_string(*step.index) : step.key;
    }
    return document.at(pointer);
}

std::string key_path_in_message(const std::string& message) {
    static const std::regex unknown_key("^unknown key ([^;\\s]+)");
    static const std::regex leading_path("^([A-Za-z_][A-Za-z0-9_@]*(\\[[0-9]+\\])*(\\.[A-Za-z0-9_@]+(\\[[0-9]+\\])*)+)[\\s:]");
    static const std::regex top_level("^(name|seed|method|dataset|model|optimizer|fleet|stop|eval)\\s");
    std::smatch match;
    if (std::regex_search(message, match, unknown_key)) return match[1];
    if (std::regex_search(message, match, leading_path)) return match[1];
    if (std::regex_search(message, match, top_level)) return match[1];
    return {};
}

ConfigCheck check_config(const nlohmann::json& document, const std::filesystem::path& config_folder) {
    ConfigCheck check;
    try {
        nlohmann::json run_document = document;
        if (run_document.is_object()) run_document.erase("description");
        RunConfig config = parse_run_config(run_document, config_folder);
        check.normalized = to_json(config);
        check.config = std::move(config);
    } catch (const std::exception& error) {
        check.message = QString::fromStdString(error.what());
        check.key_path = key_path_in_message(error.what());
    }
    return check;
}

}  // namespace tb::widgets
