#pragma once
// A method's knobs are one settings struct with a field table; these turn the table into what the method
// registry asks of every method: the normalized parameters (defaults filled in, unknown keys refused)
// and the editor's form.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/field_table.h"
#include "core/config/setting_description.h"

namespace tb {

template <typename Settings>
nlohmann::json normalize_settings(const FieldTable<Settings>& table, ConfigReader& reader) {
    Settings settings;
    table.read(reader, settings);
    reader.finish();
    return table.to_json(settings);
}

// `parameters` were normalized by normalize_settings, so reading them again cannot fail.
template <typename Settings>
SettingsForm settings_form(const FieldTable<Settings>& table, const nlohmann::json& parameters) {
    ConfigReader reader(parameters, "method");
    Settings settings;
    table.read(reader, settings);
    return table.form(settings, Settings{});
}

}  // namespace tb
