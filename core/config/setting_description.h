#pragma once
// What a form, a help text or a test needs to know about one setting, without knowing the struct it
// lives in: key, label, type, default, range and choices. Field tables (field_table.h) produce these
// from the same declaration that parses and writes the setting, so the editor cannot drift from the
// parser.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb {

enum class SettingType {
    integer,
    number,
    flag,
    text,
    choice,        // one of `choices`
    integer_list,
    number_list,
    text_list,
    file,          // a path, relative to the config file's folder
    json_object,   // a nested object with its own kinds (a topology, a partition): edited as JSON
    object_list,   // a list of records of one shape (a fleet's devices): edited as a table, one row each
};

struct SettingRange {
    std::optional<double> min;
    std::optional<double> max;
    bool min_exclusive = false;

    static SettingRange at_least(double low) { return {low, std::nullopt, false}; }
    static SettingRange above(double low) { return {low, std::nullopt, true}; }
    static SettingRange between(double low, double high) { return {low, high, false}; }
    static SettingRange any() { return {}; }

    bool contains(double value) const;
    // "greater than 0", "between 0 and 0.9999", "at least 1"; empty when unbounded.
    std::string describe() const;
};

struct SettingDescription {
    std::string key;    // relative to its section: "lr", "target.metric"
    std::string label;  // what a form shows: "Learning rate"
    std::string help;   // a sentence: what it does, the unit, where its default comes from
    SettingType type = SettingType::number;
    nlohmann::json default_value;  // null when the setting has no default (a required file)
    SettingRange range;
    std::vector<std::string> choices;
    // object_list: the fields of one record, which a table shows as its columns.
    std::vector<SettingDescription> record_fields;
};

using SettingsForm = std::vector<SettingDescription>;

// One kind of a kind-ed section (an optimizer, a method, a data set kind), as a form lists it.
struct KindDescription {
    std::string name;
    std::string description;
};

}  // namespace tb
