#pragma once
// Every module type by name, with how to build one from its JSON (the JSON its describe() writes):
// {"type": "linear", "name": "hidden0", "in": 128, "out": 64}, {"type": "sequential", "modules": [...]}.
// Adding a module type is adding an entry here; the finite-difference suite
// (tests/core/test_module_gradients.cpp) fails until it has a case for it.

#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/nn/module.h"

namespace tb::nn {

struct ModuleType {
    std::string_view name;
    std::string_view description;
    std::unique_ptr<Module> (*build)(const nlohmann::json& description);
};

const std::vector<ModuleType>& module_types();

// Builds the module tree `description` describes. Throws std::invalid_argument naming the module type and
// the key that is missing or of the wrong type, or the type that is not registered.
std::unique_ptr<Module> build_module(const nlohmann::json& description);

}  // namespace tb::nn
