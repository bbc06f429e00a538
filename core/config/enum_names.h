#pragma once
// The names of an enum's values as configs write them, parsed once into the enum so that nothing
// compares kind strings on every step.

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"

namespace tb {

template <typename Enum>
class EnumNames {
public:
    EnumNames(std::initializer_list<std::pair<Enum, std::string>> names) : names_(names) {}

    const std::string& name(Enum value) const {
        for (const auto& [known, name] : names_) {
            if (known == value) return name;
        }
        throw std::logic_error("an enum value without a name");
    }

    std::optional<Enum> find(const std::string& name) const {
        for (const auto& [value, known] : names_) {
            if (known == name) return value;
        }
        return std::nullopt;
    }

    // Throws ConfigError listing the names; callers that know the key path check with find first.
    Enum value(const std::string& name) const {
        if (std::optional<Enum> value = find(name)) return *value;
        std::string listed;
        for (const std::string& known : all_names()) listed += (listed.empty() ? "" : ", ") + known;
        throw ConfigError("'" + name + "' is not one of: " + listed);
    }

    std::vector<std::string> all_names() const {
        std::vector<std::string> names;
        for (const auto& entry : names_) names.push_back(entry.second);
        return names;
    }

private:
    std::vector<std::pair<Enum, std::string>> names_;
};

}  // namespace tb
