#include "app/cli/terminal_text.h"

#include <array>
#include <cstdio>

namespace tb::cli {

namespace {

std::string visible_escape(unsigned value) {
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "\\x%02x", value);
    return text.data();
}

}  // namespace

std::string terminal_safe(const std::string& text, std::size_t max_bytes) {
    std::string safe;
    safe.reserve(std::min(text.size(), max_bytes + 8));
    std::size_t index = 0;
    for (; index < text.size() && safe.size() < max_bytes; ++index) {
        const auto byte = static_cast<unsigned char>(text[index]);
        if (byte < 0x20 || byte == 0x7f) {
            safe += visible_escape(byte);
        } else if (byte == 0xc2 && index + 1 < text.size() && static_cast<unsigned char>(text[index + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[index + 1]) <= 0x9f) {
            // The C1 controls (U+0080..U+009F), among them the single-byte CSI that some terminals obey.
            safe += visible_escape(static_cast<unsigned char>(text[++index]));
        } else {
            safe += static_cast<char>(byte);
        }
    }
    if (index < text.size()) {
        // Cut on a character boundary: drop a partial UTF-8 sequence at the end.
        while (!safe.empty() && (static_cast<unsigned char>(safe.back()) & 0xc0) == 0x80) safe.pop_back();
        if (!safe.empty() && static_cast<unsigned char>(safe.back()) >= 0xc0) safe.pop_back();
        safe += "... (" + std::to_string(text.size()) + " bytes)";
    }
    return safe;
}

}  // namespace tb::cli
