#include "core/config/config_reader.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/config/json_text.h"
#include "core/errors.h"

namespace tb {

namespace {

std::string describe_value(const nlohmann::json& value) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return std::string(value.type_name()) + " " + text;
}

}  // namespace

ConfigReader::ConfigReader(const nlohmann::json& object, std::string path) : path_(std::move(path)) {
    if (object.is_null()) {
        object_ = nlohmann::json::object();
    } else if (!object.is_object()) {
        throw ConfigError((path_.empty() ? std::string("the config") : path_) + " must be an object, got " +
                          describe_value(object));
    } else {
        object_ = object;
    }
}

bool ConfigReader::has(const std::string& key) const { return object_.contains(key); }

std::string ConfigReader::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void ConfigReader::fail(const std::string& key, const std::string& message) const {
    throw ConfigError(key_path(key) + " " + message);
}

const nlohmann::json* ConfigReader::find(const std::string& key) {
    known_keys_.insert(key);
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
}

std::int64_t ConfigReader::get_integer(const std::string& key, std::int64_t default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (value->is_number_integer()) return value->get<std::int64_t>();
    // 1e6 or 65536.0 in a hand-written config mean the integer.
    if (value->is_number_float()) {
        const double number = value->get<double>();
        if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 9e15) {
            return static_cast<std::int64_t>(number);
        }
    }
    fail(key, "must be an integer, got " + describe_value(*value));
}

std::int64_t ConfigReader::require_integer(const std::string& key) {
    if (find(key) == nullptr) fail(key, "is required (an integer)");
    return get_integer(key, 0);
}

double ConfigReader::get_number(const std::string& key, double default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (!value->is_number()) fail(key, "must be a number, got " + describe_value(*value));
    const double number = value->get<double>();
    if (!std::isfinite(number)) fail(key, "must be finite");
    return number;
}

bool ConfigReader::get_bool(const std::string& key, bool default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (!value->is_boolean()) fail(key, "must be true or false, got " + describe_value(*value));
    return value->get<bool>();
}

std::string ConfigReader::get_string(const std::string& key, const std::string& default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (!value->is_string()) fail(key, "must be a string, got " + describe_value(*value));
    return value->get<std::string>();
}

std::string ConfigReader::require_string(const std::string& key) {
    if (find(key) == nullptr) fail(key, "is required (a string)");
    return get_string(key, "");
}

std::string ConfigReader::get_choice(const std::string& key, const std::string& default_value,
                                     const std::vector<std::string>& choices) {
    const std::string value = get_string(key, default_value);
    for (const std::string& choice : choices) {
        if (value == choice) return value;
    }
    std::string listed;
    for (const std::string& choice : choices) listed += (listed.empty() ? "" : ", ") + choice;
    fail(key, "is '" + value + "'; choose one of: " + listed);
}

std::vector<std::int64_t> ConfigReader::get_integer_list(const std::string& key,
                                                         const std::vector<std::int64_t>& default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (!value->is_array()) fail(key, "must be a list of integers, got " + describe_value(*value));
    std::vector<std::int64_t> list;
    for (std::size_t i = 0; i < value->size(); ++i) {
        if (!(*value)[i].is_number_integer()) {
            fail(key + "[" + std::to_string(i) + "]", "must be an integer, got " + describe_value((*value)[i]));
        }
        list.push_back((*value)[i].get<std::int64_t>());
    }
    return list;
}

std::vector<std::string> ConfigReader::get_string_list(const std::string& key,
                                                       const std::vector<std::string>& default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (!value->is_array()) fail(key, "must be a list of strings, got " + describe_value(*value));
    std::vector<std::string> list;
    for (std::size_t i = 0; i < value->size(); ++i) {
        if (!(*value)[i].is_string()) {
            fail(key + "[" + std::to_string(i) + "]", "must be a string, got " + describe_value((*value)[i]));
        }
        list.push_back((*value)[i].get<std::string>());
    }
    return list;
}

std::vector<double> ConfigReader::get_number_list(const std::string& key, const std::vector<double>& default_value) {
    const nlohmann::json* value = find(key);
    if (value == nullptr) return default_value;
    if (!value->is_array()) fail(key, "must be a list of numbers, got " + describe_value(*value));
    std::vector<double> list;
    for (std::size_t i = 0; i < value->size(); ++i) {
        if (!(*value)[i].is_number() || !std::isfinite((*value)[i].get<double>())) {
            fail(key + "[" + std::to_string(i) + "]", "must be a finite number, got " + describe_value((*value)[i]));
        }
        list.push_back((*value)[i].get<double>());
    }
    return list;
}

std::string format_number(double value) {
    std::ostringstream text;
    text << std::setprecision(10) << value;
    return text.str();
}

ConfigReader ConfigReader::object(const std::string& key) {
    const nlohmann::json* value = find(key);
    return ConfigReader(value == nullptr ? nlohmann::json::object() : *value, key_path(key));
}

std::vector<ConfigReader> ConfigReader::object_list(const std::string& key) {
    const nlohmann::json* value = find(key);
    std::vector<ConfigReader> list;
    if (value == nullptr) return list;
    if (!value->is_array()) fail(key, "must be a list of objects, got " + describe_value(*value));
    for (std::size_t i = 0; i < value->size(); ++i) {
        list.emplace_back((*value)[i], key_path(key) + "[" + std::to_string(i) + "]");
    }
    return list;
}

const nlohmann::json& ConfigReader::raw(const std::string& key) {
    static const nlohmann::json null_value;
    const nlohmann::json* value = find(key);
    return value == nullptr ? null_value : *value;
}

void ConfigReader::require_positive(const std::string& key, double value) const {
    if (!(value > 0)) fail(key, "must be greater than 0, got " + std::to_string(value));
}

void ConfigReader::require_non_negative(const std::string& key, double value) const {
    if (!(value >= 0)) fail(key, "must not be negative, got " + std::to_string(value));
}

void ConfigReader::require_range(const std::string& key, double value, double low, double high) const {
    if (!(value >= low && value <= high)) {
        std::ostringstream message;
        message << "must be between " << low << " and " << high << ", got " << value;
        fail(key, message.str());
    }
}

void ConfigReader::finish() const {
    for (const auto& [key, value] : object_.items()) {
        if (known_keys_.count(key) != 0) continue;
        std::string listed;
        for (const std::string& known : known_keys_) listed += (listed.empty() ? "" : ", ") + known;
        throw ConfigError("unknown key " + key_path(key) + (listed.empty() ? "" : "; known keys here: " + listed));
    }
}

void apply_override(nlohmann::json& config, const std::string& assignment) {
    const std::size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw ConfigError("--set expects key.path=VALUE, got '" + assignment + "'");
    }
    const std::string path = assignment.substr(0, equals);
    const std::string text = assignment.substr(equals + 1);
    // VALUE is JSON when it parses as JSON and a plain string otherwise; only hostile nesting is an error.
    nlohmann::json value;
    try {
        value = parse_json_text(text, "--set " + path);
    } catch (const JsonTooDeep&) {
        throw;
    } catch (const ConfigError&) {
        value = text;
    }

    nlohmann::json* node = &config;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (key.empty()) throw ConfigError("--set: empty key in '" + path + "'");
        if (node->is_null()) *node = nlohmann::json::object();
        if (!node->is_object()) {
            throw ConfigError("--set " + path + ": '" + path.substr(0, start > 0 ? start - 1 : 0) +
                              "' is not an object");
        }
        if (dot == std::string::npos) {
            (*node)[key] = value;
            return;
        }
        node = &(*node)[key];
        start = dot + 1;
    }
}

}  // namespace tb
