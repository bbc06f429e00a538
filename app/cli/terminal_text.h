#pragma once
// Text from the store (run names, config values) is whatever a config said, so before it reaches a
// terminal its control characters are made visible ("\x1b" for an escape) instead of moving the cursor
// or recolouring the screen, and a cell longer than a screen line is cut, so a 1 MB run name prints as
// one line, not a megabyte of output.

#include <cstddef>
#include <string>

namespace tb::cli {

inline constexpr std::size_t longest_terminal_cell = 120;

std::string terminal_safe(const std::string& text, std::size_t max_bytes = longest_terminal_cell);

}  // namespace tb::cli
