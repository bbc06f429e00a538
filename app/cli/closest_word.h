#pragma once
// The valid word a mistyped one was most likely meant to be, for "did you mean ...?" in command-line
// errors: `--metrc` -> `--metric`, `lsit` -> `list`, `--summary` -> `--summary-json`.

#include <optional>
#include <string>
#include <vector>

namespace tb::cli {

// The number of single-character insertions, deletions, substitutions and swaps of two neighbours that
// turn `from` into `to` (optimal string alignment distance).
std::size_t edit_distance(const std::string& from, const std::string& to);

// The candidate closest to `word`: the nearest by edit_distance when it is near enough to be a typo
// (at most a third of the word's characters changed, at least one), else the shortest candidate that
// begins with `word` (an abbreviation), else none. Leading dashes are ignored in the comparison, so
// options and commands are compared alike; the answer is the candidate as given.
std::optional<std::string> closest_word(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tb::cli
