#include "core/topology/mixing_matrix.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tb {

MixingMatrix::MixingMatrix(std::string description, int size, std::vector<double> row_major)
    : description_(std::move(description)), size_(size), weights_(std::move(row_major)) {
    if (size < 1 || weights_.size() != static_cast<std::size_t>(size) * static_cast<std::size_t>(size)) {
        throw std::invalid_argument("a mixing matrix of size " + std::to_string(size) + " needs " +
                                    std::to_string(size) + "^2 weights, got " + std::to_string(weights_.size()));
    }
}

std::vector<std::pair<int, double>> MixingMatrix::row_terms(int row) const {
    std::vector<std::pair<int, double>> terms;
    for (int col = 0; col < size_; ++col) {
        if (const double weight = at(row, col); weight != 0.0) terms.emplace_back(col, weight);
    }
    return terms;
}

double MixingMatrix::doubly_stochastic_error() const {
    double worst = 0;
    for (int i = 0; i < size_; ++i) {
        double row_sum = 0;
        double col_sum = 0;
        for (int j = 0; j < size_; ++j) {
            row_sum += at(i, j);
            col_sum += at(j, i);
            worst = std::max(worst, std::abs(at(i, j) - at(j, i)));
        }
        worst = std::max({worst, std::abs(row_sum - 1.0), std::abs(col_sum - 1.0)});
    }
    return worst;
}

bool MixingMatrix::non_negative() const {
    return std::none_of(weights_.begin(), weights_.end(), [](double w) { return w < 0; });
}

MixingMatrix metropolis_hastings_weights(const Topology& topology) {
    const int n = topology.node_count();
    std::vector<double> weights(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0.0);
    const auto entry = [&](int i, int j) -> double& { return weights[static_cast<std::size_t>(i) * static_cast<std::size_t>(n) + static_cast<std::size_t>(j)]; };
    for (const auto& [a, b] : topology.edges()) {
        const double weight = 1.0 / (1.0 + std::max(topology.degree(a), topology.degree(b)));
        entry(a, b) = weight;
        entry(b, a) = weight;
    }
    for (int i = 0; i < n; ++i) {
        double others = 0;
        for (const int j : topology.neighbours(i)) others += entry(i, j);
        entry(i, i) = 1.0 - others;
    }
    return MixingMatrix("Metropolis-Hastings weights on the " + topology.description(), n, std::move(weights));
}

MixingMatrix uniform_ring_weights(const Topology& topology) {
    const int n = topology.node_count();
    for (int i = 0; i < n; ++i) {
        if (topology.degree(i) != 2) {
            throw std::invalid_argument("uniform ring weights need a ring (every node with two neighbours); node " +
                                        std::to_string(i) + " of the " + topology.description() + " has " +
                                        std::to_string(topology.degree(i)));
        }
    }
    std::vector<double> weights(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0.0);
    for (int i = 0; i < n; ++i) {
        weights[static_cast<std::size_t>(i * n + i)] = 1.0 / 3.0;
        for (const int j : topology.neighbours(i)) weights[static_cast<std::size_t>(i * n + j)] = 1.0 / 3.0;
    }
    return MixingMatrix("uniform 1/3 weights on the " + topology.description(), n, std::move(weights));
}

MixingMatrix mixing_weights(const std::string& kind, const Topology& topology) {
    if (kind == "metropolis_hastings") return metropolis_hastings_weights(topology);
    if (kind == "uniform_ring") return uniform_ring_weights(topology);
    throw std::invalid_argument("unknown mixing weights '" + kind + "' (metropolis_hastings, uniform_ring)");
}

}  // namespace tb
