#include "core/multitask/regularization_grid.h"

#include <cstdio>
#include <stdexcept>

namespace tb {

double RegularizationCandidate::at(const std::string& name) const {
    for (const auto& [key, value] : values) {
        if (key == name) return value;
    }
    throw std::logic_error("the regularization candidate " + label() + " has no weight named " + name);
}

std::string RegularizationCandidate::label() const {
    std::string text;
    for (const auto& [key, value] : values) {
        char number[32];
        std::snprintf(number, sizeof number, "%.4g", value);
        text += (text.empty() ? "" : ", ") + key + " = " + number;
    }
    return text.empty() ? "no regularization weights" : text;
}

std::vector<RegularizationCandidate> regularization_grid(
    const std::vector<std::pair<std::string, std::vector<double>>>& weights) {
    std::vector<RegularizationCandidate> grid{RegularizationCandidate{}};
    for (const auto& [name, values] : weights) {
        if (values.empty()) throw std::invalid_argument(name + ": the list of values to choose from is empty");
        std::vector<RegularizationCandidate> extended;
        for (const RegularizationCandidate& partial : grid) {
            for (const double value : values) {
                RegularizationCandidate candidate = partial;
                candidate.values.emplace_back(name, value);
                extended.push_back(std::move(candidate));
            }
        }
        grid = std::move(extended);
    }
    return grid;
}

}  // namespace tb
