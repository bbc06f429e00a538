#pragma once
// Parses the run config document. Parsing fills a default for every knob left out and rejects unknown
// keys and wrong types with the key path; cross-section mistakes (a method with a data split it would
// ignore, a target metric that is not evaluated) are errors here, before anything runs.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/config/json_file.h"
#include "core/session/run_config.h"

namespace tb {

RunConfig parse_run_config(const nlohmann::json& document, const std::filesystem::path& config_folder = {});

}  // namespace tb
