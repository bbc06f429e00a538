#pragma once
// Gossip mixing matrices W over a topology: worker i's model after gossip is sum_j W_ij x_j, with
// W_ij > 0 only for neighbours and i itself. Both weightings here are symmetric and doubly stochastic,
// so gossip preserves the average of the models and drives every model to it (Xiao and Boyd, "Fast
// linear iterations for distributed averaging", 2004).

#include <string>
#include <vector>

#include "core/topology/topology.h"

namespace tb {

class MixingMatrix {
public:
    MixingMatrix(std::string description, int size, std::vector<double> row_major);

    const std::string& description() const { return description_; }
    int size() const { return size_; }
    double at(int row, int col) const { return weights_.at(static_cast<std::size_t>(row) * static_cast<std::size_t>(size_) + static_cast<std::size_t>(col)); }
    const std::vector<double>& row_major() const { return weights_; }
    // The non-zero entries of a row as (column, weight), the terms of one worker's gossip sum.
    std::vector<std::pair<int, double>> row_terms(int row) const;
    // Largest |row sum - 1|, |column sum - 1| and |W_ij - W_ji| over the matrix (0 for an exact
    // symmetric doubly stochastic matrix), and whether it has no negative entry.
    double doubly_stochastic_error() const;
    bool non_negative() const;

private:
    std::string description_;
    int size_;
    std::vector<double> weights_;
};

// Metropolis-Hastings weights: W_ij = 1 / (1 + max(d_i, d_j)) for neighbours, W_ii = 1 - sum of the
// row's other weights (Xiao, Boyd and Kim, "Distributed average consensus with least-mean-square
// deviation", 2007). Symmetric and doubly stochastic on any undirected graph.
MixingMatrix metropolis_hastings_weights(const Topology& topology);

// 1/3 on the node and on each of its two ring neighbours, the ring weighting of the quasi-global
// momentum paper's experiments (Lin et al., ICML 2021). Throws std::invalid_argument unless every node
// has exactly two neighbours.
MixingMatrix uniform_ring_weights(const Topology& topology);

// The weighting a config names: "metropolis_hastings" or "uniform_ring".
MixingMatrix mixing_weights(const std::string& kind, const Topology& topology);

}  // namespace tb
