#include "app/cli/closest_word.h"

#include <algorithm>
#include <limits>

namespace tb::cli {

namespace {

std::string without_leading_dashes(const std::string& word) {
    const std::size_t start = word.find_first_not_of('-');
    return start == std::string::npos ? std::string() : word.substr(start);
}

}  // namespace

std::size_t edit_distance(const std::string& from, const std::string& to) {
    // Rows of the dynamic programme: two before the current one, because a swap looks back two characters.
    std::vector<std::size_t> before_previous(to.size() + 1);
    std::vector<std::size_t> previous(to.size() + 1);
    std::vector<std::size_t> current(to.size() + 1);
    for (std::size_t j = 0; j <= to.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= from.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= to.size(); ++j) {
            const std::size_t substitution = from[i - 1] == to[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution});
            if (i > 1 && j > 1 && from[i - 1] == to[j - 2] && from[i - 2] == to[j - 1]) {
                current[j] = std::min(current[j], before_previous[j - 2] + 1);
            }
        }
        std::swap(before_previous, previous);
        std::swap(previous, current);
    }
    return previous[to.size()];
}

std::optional<std::string> closest_word(const std::string& word, const std::vector<std::string>& candidates) {
    const std::string bare_word = without_leading_dashes(word);
    if (bare_word.empty()) return std::nullopt;
    const std::size_t near_enough = std::max<std::size_t>(1, bare_word.size() / 3);

    std::optional<std::string> nearest;
    std::size_t nearest_distance = std::numeric_limits<std::size_t>::max();
    std::optional<std::string> shortest_extension;
    for (const std::string& candidate : candidates) {
        const std::string bare_candidate = without_leading_dashes(candidate);
        const std::size_t distance = edit_distance(bare_word, bare_candidate);
        if (distance <= near_enough && distance < nearest_distance) {
            nearest = candidate;
            nearest_distance = distance;
        }
        if (bare_candidate.starts_with(bare_word) &&
            (!shortest_extension || candidate.size() < shortest_extension->size())) {
            shortest_extension = candidate;
        }
    }
    return nearest ? nearest : shortest_extension;
}

}  // namespace tb::cli
