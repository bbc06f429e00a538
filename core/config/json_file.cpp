#include "core/config/json_file.h"

#include <fstream>
#include <sstream>

#include "core/config/json_text.h"
#include "core/errors.h"

namespace tb {

nlohmann::json read_json_file(const std::filesystem::path& path) {
    std::ifstream file(path);
    if (!file) throw ConfigError("cannot open config file " + path.string());
    std::stringstream buffer;
    buffer << file.rdbuf();
    return parse_json_text(buffer.str(), path.string());
}

}  // namespace tb
