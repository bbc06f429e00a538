#pragma once
// A communication topology of a decentralized fleet: an undirected, connected graph whose nodes are the
// workers (0..node_count-1) and whose edges are the links over which neighbours exchange models.

#include <string>
#include <utility>
#include <vector>

namespace tb {

class Topology {
public:
    // Throws std::invalid_argument when an edge names a node outside 0..node_count-1, joins a node to
    // itself or repeats an edge, or when the graph is not connected (gossip could never reach consensus).
    Topology(std::string description, int node_count, std::vector<std::pair<int, int>> edges);

    const std::string& description() const { return description_; }  // "ring of 16", "edge list file.csv"
    int node_count() const { return node_count_; }
    // Each edge once, as (smaller node, larger node), in increasing order.
    const std::vector<std::pair<int, int>>& edges() const { return edges_; }
    // Sorted neighbours of a node (itself not included).
    const std::vector<int>& neighbours(int node) const { return neighbours_.at(static_cast<std::size_t>(node)); }
    int degree(int node) const { return static_cast<int>(neighbours(node).size()); }
    int max_degree() const;

private:
    std::string description_;
    int node_count_;
    std::vector<std::pair<int, int>> edges_;
    std::vector<std::vector<int>> neighbours_;
};

}  // namespace tb
