#include "core/config/json_file.h"

#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace tb {

nlohmann::json read_json_file(const std::filesystem::path& path) {
    std::ifstream file(path);
    if (!file) throw ConfigError("cannot open config file " + path.string());
    std::stringstream buffer;
    buffer << file.rdbuf();
    const std::string text = buffer.str();
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        // Turn the byte offset into a line and column a person can find.
        const std::size_t offset = std::min<std::size_t>(error.byte > 0 ? error.byte - 1 : 0, text.size());
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
        throw ConfigError(path.string() + ":" + std::to_string(line) + ":" + std::to_string(column) +
                          ": invalid JSON: " + error.what());
    }
}

}  // namespace tb
