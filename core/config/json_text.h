#pragma once
// Parses a JSON document that came from outside (a config file, the editor's text, a --set value). A
// syntax error names the source, line and column. Nesting deeper than max_json_depth is an error at
// parse time: a hostile document of a few hundred kilobytes of nested arrays would otherwise exhaust the
// stack when the parsed value is copied, and no Trainbench document nests more than a handful of levels.

#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.h"

namespace tb {

inline constexpr int max_json_depth = 64;

// The document nests deeper than max_json_depth.
class JsonTooDeep : public ConfigError {
public:
    using ConfigError::ConfigError;
};

// Throws JsonTooDeep, or ConfigError ("<source>:<line>:<column>: invalid JSON: ..." or "... nests deeper than 64 levels";
// a number too large for a double, "<source>: invalid JSON: ... number overflow parsing '1e309'").
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

}  // namespace tb
