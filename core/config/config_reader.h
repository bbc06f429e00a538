#pragma once
// Reads one JSON object of a run config with defaults, tracking the key path so that every error
// names it ("optimizer.lr must be a number, got \"fast\""), and rejecting keys nobody asked for
// ("unknown key method.batch_mx; known keys: kind, batch_size").

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb {

class ConfigReader {
public:
    // `path` is the object's key path ("" for the root). A null value reads as an empty object.
    ConfigReader(const nlohmann::json& object, std::string path);

    bool has(const std::string& key) const;
    std::string key_path(const std::string& key) const;

    // Each getter marks the key as known; with a default the key may be absent.
    std::int64_t get_integer(const std::string& key, std::int64_t default_value);
    std::int64_t require_integer(const std::string& key);
    double get_number(const std::string& key, double default_value);
    bool get_bool(const std::string& key, bool default_value);
    std::string get_string(const std::string& key, const std::string& default_value);
    std::string require_string(const std::string& key);
    // One of `choices`; the error lists them.
    std::string get_choice(const std::string& key, const std::string& default_value,
                           const std::vector<std::string>& choices);
    std::vector<std::int64_t> get_integer_list(const std::string& key, const std::vector<std::int64_t>& default_value);
    std::vector<std::string> get_string_list(const std::string& key, const std::vector<std::string>& default_value);
    std::vector<double> get_number_list(const std::string& key, const std::vector<double>& default_value);
    // A nested object (an empty one when absent).
    ConfigReader object(const std::string& key);
    // A nested array of objects (empty when absent).
    std::vector<ConfigReader> object_list(const std::string& key);
    // The raw value, for parts parsed elsewhere (marks the key as known).
    const nlohmann::json& raw(const std::string& key);

    // Range checks that throw ConfigError naming the key.
    void require_positive(const std::string& key, double value) const;
    void require_non_negative(const std::string& key, double value) const;
    void require_range(const std::string& key, double value, double low, double high) const;

    // Throws ConfigError when the object holds a key no getter asked for.
    void finish() const;

    [[noreturn]] void fail(const std::string& key, const std::string& message) const;

private:
    const nlohmann::json* find(const std::string& key);
    nlohmann::json object_;
    std::string path_;
    std::set<std::string> known_keys_;
};

// A number as messages show it: 0.001, 1e-08, 4096 (no trailing zeros).
std::string format_number(double value);

// Applies "key.path=VALUE" to a config document: VALUE is parsed as JSON when it is valid JSON and taken
// as a string otherwise; intermediate objects are created. Throws ConfigError on a malformed assignment
// or when a path goes through a value that is not an object.
void apply_override(nlohmann::json& config, const std::string& assignment);

}  // namespace tb
