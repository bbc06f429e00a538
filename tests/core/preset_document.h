#pragma once
// A built-in preset as a config document that tests can change before parsing it.

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/json_file.h"
#include "core/config/preset_catalog.h"

inline nlohmann::json preset_document(const std::string& name) {
    const auto path = tb::find_preset(name);
    if (!path) throw std::runtime_error("preset " + name + " not found");
    nlohmann::json document = tb::read_json_file(*path);
    document.erase("description");
    return document;
}
