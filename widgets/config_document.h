#pragma once
// The experiment being edited, as the JSON document the engine reads, and its validation by the
// engine's own parser (parse_run_config), so the editor never disagrees with what a run would accept.

#include <QString>

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/run/run_config_parser.h"

namespace tb::widgets {

// Key paths are dotted with array indexes: "optimizer.lr", "fleet.devices[2].speed".
const nlohmann::json* find_key(const nlohmann::json& document, const std::string& key_path);
// Sets the value, creating objects on the way; a null value removes the key (its default applies).
void set_key(nlohmann::json& document, const std::string& key_path, const nlohmann::json& value);
// The array at key_path, made (empty) where the key is absent or holds something else.
nlohmann::json& list_at(nlohmann::json& document, const std::string& key_path);

struct ConfigCheck {
    std::optional<RunConfig> config;  // set when the document is valid
    nlohmann::json normalized;        // the document with every default filled in (when valid)
    QString message;                  // the engine's error, naming the key path (when not)
    std::string key_path;             // the key path the error names, or empty
    bool valid() const { return config.has_value(); }
};

// Parses the document as a run would (a preset's "description" is not part of the run and is skipped).
ConfigCheck check_config(const nlohmann::json& document, const std::filesystem::path& config_folder);

// The key path an engine error message names first ("optimizer.lr must be a number" -> "optimizer.lr",
// "unknown key method.batch_mx; ..." -> "method.batch_mx"), or empty.
std::string key_path_in_message(const std::string& message);

}  // namespace tb::widgets
