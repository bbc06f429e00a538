// The config path of a run on arbitrary text: parse_json_text, then parse_run_config. A ConfigError (or
// a DataError from a data path the config names) is the parser doing its job; any other exception or a
// sanitizer report is a finding. A config the parser accepts must also survive being written back:
// to_json of it parses again to the same document, as the store and `--set` rely on.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/config/json_text.h"
#include "core/errors.h"
#include "core/run/run_config_parser.h"
#include "core/session/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    nlohmann::json written;
    try {
        written = tb::to_json(tb::parse_run_config(tb::parse_json_text(text, "fuzz input")));
    } catch (const tb::ConfigError&) {
        return 0;
    } catch (const tb::DataError&) {
        return 0;
    }
    try {
        if (tb::to_json(tb::parse_run_config(written)) != written) {
            std::fprintf(stderr, "an accepted config changed when written back and parsed again:\n%s\n", written.dump(2).c_str());
            std::abort();
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "an accepted config was rejected when written back (%s):\n%s\n", error.what(),
                     written.dump(2).c_str());
        std::abort();
    }
    return 0;
}
