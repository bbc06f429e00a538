#pragma once
// The candidate settings a multi-task method's inner cross-validation chooses among: the Cartesian
// product of each regularization weight's list of values, in the order the lists are given.

#include <string>
#include <utility>
#include <vector>

namespace tb {

struct RegularizationCandidate {
    std::vector<std::pair<std::string, double>> values;  // {"lambda", 0.1}, ...

    // Throws std::logic_error naming the weight when the candidate has no value of that name.
    double at(const std::string& name) const;
    // "lambda = 0.1, rho = 10", for logs and trace series.
    std::string label() const;
};

// Throws std::invalid_argument naming the weight whose list is empty.
std::vector<RegularizationCandidate> regularization_grid(
    const std::vector<std::pair<std::string, std::vector<double>>>& weights);

}  // namespace tb
