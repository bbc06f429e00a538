#include "core/topology/topology.h"

#include <algorithm>
#include <stdexcept>

namespace tb {

Topology::Topology(std::string description, int node_count, std::vector<std::pair<int, int>> edges)
    : description_(std::move(description)), node_count_(node_count) {
    if (node_count < 1) throw std::invalid_argument(description_ + ": a topology needs at least one node");
    for (auto& [a, b] : edges) {
        if (a < 0 || b < 0 || a >= node_count || b >= node_count) {
            throw std::invalid_argument(description_ + ": edge " + std::to_string(a) + "-" + std::to_string(b) +
                                        " names a node outside 0.." + std::to_string(node_count - 1));
        }
        if (a == b) throw std::invalid_argument(description_ + ": node " + std::to_string(a) + " is linked to itself");
        if (a > b) std::swap(a, b);
    }
    std::sort(edges.begin(), edges.end());
    if (const auto repeated = std::adjacent_find(edges.begin(), edges.end()); repeated != edges.end()) {
        throw std::invalid_argument(description_ + ": edge " + std::to_string(repeated->first) + "-" +
                                    std::to_string(repeated->second) + " appears twice");
    }
    edges_ = std::move(edges);
    neighbours_.resize(static_cast<std::size_t>(node_count));
    for (const auto& [a, b] : edges_) {
        neighbours_[static_cast<std::size_t>(a)].push_back(b);
        neighbours_[static_cast<std::size_t>(b)].push_back(a);
    }
    for (std::vector<int>& list : neighbours_) std::sort(list.begin(), list.end());

    // Breadth-first search from node 0: every node must be reached.
    std::vector<char> reached(static_cast<std::size_t>(node_count), 0);
    std::vector<int> frontier{0};
    reached[0] = 1;
    while (!frontier.empty()) {
        const int node = frontier.back();
        frontier.pop_back();
        for (const int next : neighbours_[static_cast<std::size_t>(node)]) {
            if (!reached[static_cast<std::size_t>(next)]) {
                reached[static_cast<std::size_t>(next)] = 1;
                frontier.push_back(next);
            }
        }
    }
    if (const auto missing = std::find(reached.begin(), reached.end(), 0); missing != reached.end()) {
        throw std::invalid_argument(description_ + " is not connected: node " +
                                    std::to_string(missing - reached.begin()) +
                                    " cannot be reached from node 0, so the workers could never agree on a model");
    }
}

int Topology::max_degree() const {
    int most = 0;
    for (const std::vector<int>& list : neighbours_) most = std::max(most, static_cast<int>(list.size()));
    return most;
}

}  // namespace tb
