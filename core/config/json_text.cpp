#include "core/config/json_text.h"

#include <algorithm>

#include "core/errors.h"

namespace tb {

namespace {

// "line:column" of a byte offset, for a person to find the place.
std::string line_and_column(const std::string& text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

struct TooDeep {};

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
    const auto limit_depth = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        const bool opens = event == nlohmann::json::parse_event_t::object_start ||
                           event == nlohmann::json::parse_event_t::array_start;
        if (opens && depth >= max_json_depth) throw TooDeep{};
        return true;
    };
    try {
        return nlohmann::json::parse(text, limit_depth);
    } catch (const TooDeep&) {
        throw JsonTooDeep(source + ": invalid JSON: objects and arrays nest deeper than " +
                          std::to_string(max_json_depth) + " levels");
    } catch (const nlohmann::json::parse_error& error) {
        const std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
        throw ConfigError(source + ":" + line_and_column(text, offset) + ": invalid JSON: " + error.what());
    } catch (const nlohmann::json::out_of_range& error) {
        // A number beyond a double's range (1e309) is not a syntax error to nlohmann, and it carries no
        // position; the message quotes the number.
        throw ConfigError(source + ": invalid JSON: " + error.what());
    }
}

}  // namespace tb
