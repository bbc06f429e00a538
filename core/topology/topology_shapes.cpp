#include "core/topology/topology_shapes.h"

#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/random/splitmix64.h"

namespace tb {

Topology ring_topology(int nodes) {
    if (nodes < 1) throw std::invalid_argument("a ring needs at least one node");
    std::vector<std::pair<int, int>> edges;
    if (nodes == 2) edges.emplace_back(0, 1);
    if (nodes >= 3) {
        for (int i = 0; i < nodes; ++i) edges.emplace_back(i, (i + 1) % nodes);
    }
    return Topology("ring of " + std::to_string(nodes), nodes, std::move(edges));
}

Topology torus_topology(int rows, int cols) {
    if (rows < 1 || cols < 1) throw std::invalid_argument("a torus needs at least one row and one column");
    std::set<std::pair<int, int>> edges;
    const auto link = [&](int a, int b) {
        if (a != b) edges.emplace(std::min(a, b), std::max(a, b));
    };
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            link(r * cols + c, r * cols + (c + 1) % cols);
            link(r * cols + c, ((r + 1) % rows) * cols + c);
        }
    }
    return Topology(std::to_string(rows) + "x" + std::to_string(cols) + " torus", rows * cols,
                    {edges.begin(), edges.end()});
}

Topology complete_topology(int nodes) {
    std::vector<std::pair<int, int>> edges;
    for (int i = 0; i < nodes; ++i) {
        for (int j = i + 1; j < nodes; ++j) edges.emplace_back(i, j);
    }
    return Topology("complete graph of " + std::to_string(nodes), nodes, std::move(edges));
}

Topology star_topology(int nodes) {
    std::vector<std::pair<int, int>> edges;
    for (int i = 1; i < nodes; ++i) edges.emplace_back(0, i);
    return Topology("star of " + std::to_string(nodes), nodes, std::move(edges));
}

Topology random_expander_topology(int nodes, int degree, std::uint64_t seed) {
    if (degree < 2 || degree % 2 != 0) {
        throw std::invalid_argument("a random expander's degree must be even and at least 2, got " + std::to_string(degree));
    }
    if (nodes < 3) throw std::invalid_argument("a random expander needs at least 3 nodes, got " + std::to_string(nodes));
    if (degree >= nodes) {
        // Silently capping would train on a complete graph while every log and stored config says the degree.
        throw std::invalid_argument("degree " + std::to_string(degree) + " needs more than " + std::to_string(degree) +
                                    " nodes, the fleet has " + std::to_string(nodes) +
                                    "; use a smaller even degree, or kind complete");
    }
    std::uint64_t state = splitmix64_mix(seed);
    std::set<std::pair<int, int>> edges;
    std::vector<int> order(static_cast<std::size_t>(nodes));
    for (int cycle = 0; cycle < degree / 2; ++cycle) {
        std::iota(order.begin(), order.end(), 0);
        // Fisher-Yates; the modulo bias of a 64-bit draw over at most 2^31 nodes is negligible.
        for (std::size_t last = order.size(); last > 1; --last) {
            std::swap(order[last - 1], order[splitmix64_next(state) % last]);
        }
        for (int i = 0; i < nodes; ++i) {
            const int a = order[static_cast<std::size_t>(i)];
            const int b = order[static_cast<std::size_t>((i + 1) % nodes)];
            edges.emplace(std::min(a, b), std::max(a, b));
        }
    }
    // Cycles may share edges, so the mean degree can fall below the nominal one: the name says both.
    const double mean_degree = 2.0 * static_cast<double>(edges.size()) / nodes;
    std::ostringstream name;
    name << "random expander of " << nodes << " (degree " << degree << ", mean " << mean_degree << ", seed " << seed << ")";
    return Topology(name.str(),
                    nodes, {edges.begin(), edges.end()});
}

}  // namespace tb
