#include "core/metrics/adjusted_rand_index.h"

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace tb {

namespace {

double pairs_of(double count) { return count * (count - 1.0) / 2.0; }

}  // namespace

double adjusted_rand_index(const std::vector<std::int64_t>& first, const std::vector<std::int64_t>& second) {
    if (first.size() != second.size()) {
        throw std::invalid_argument("adjusted Rand index: the labelings have " + std::to_string(first.size()) + " and " +
                                    std::to_string(second.size()) + " items; they must label the same items");
    }
    if (first.empty()) throw std::invalid_argument("adjusted Rand index: the labelings are empty");
    if (first.size() == 1) return 1.0;

    std::map<std::pair<std::int64_t, std::int64_t>, double> contingency;
    std::map<std::int64_t, double> first_sizes;
    std::map<std::int64_t, double> second_sizes;
    for (std::size_t i = 0; i < first.size(); ++i) {
        contingency[{first[i], second[i]}] += 1.0;
        first_sizes[first[i]] += 1.0;
        second_sizes[second[i]] += 1.0;
    }
    double index = 0.0;
    for (const auto& cell : contingency) index += pairs_of(cell.second);
    double first_pairs = 0.0;
    for (const auto& cluster : first_sizes) first_pairs += pairs_of(cluster.second);
    double second_pairs = 0.0;
    for (const auto& cluster : second_sizes) second_pairs += pairs_of(cluster.second);

    const double expected = first_pairs * second_pairs / pairs_of(static_cast<double>(first.size()));
    const double maximum = 0.5 * (first_pairs + second_pairs);
    if (maximum == expected) return 1.0;
    return (index - expected) / (maximum - expected);
}

}  // namespace tb
