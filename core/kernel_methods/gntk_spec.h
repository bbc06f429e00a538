#pragma once
// The settings of a graph neural tangent kernel (Du et al., NeurIPS 2019, section 4): the depth of the
// infinitely wide network it is the kernel of, how a node aggregates its neighbours, how node pairs are
// read out into one number per pair of graphs, and what the input node features are.

#include <cstdint>
#include <string>

namespace tb {

// Sum over the node and its neighbours, or that sum scaled by 1 / (neighbours + 1) on each side of a
// node pair (the paper's c_u).
enum class NeighbourPooling { sum, average };
// Theta of the last layer summed over node pairs, or the input's and every block's last layer's
// (jumping knowledge).
enum class GraphReadout { sum, jumping_knowledge };
// One-hot discrete node labels, one-hot degrees (for collections without labels), or the continuous
// node attributes.
enum class NodeFeatureSource { labels, degrees, attributes };

struct GntkSpec {
    int blocks = 2;      // L: neighbour aggregations, each followed by mlp_layers ReLU layers
    int mlp_layers = 2;  // R
    NeighbourPooling pooling = NeighbourPooling::sum;
    GraphReadout readout = GraphReadout::jumping_knowledge;
    NodeFeatureSource features = NodeFeatureSource::labels;

    // Throws std::invalid_argument naming the setting that is out of range.
    void check() const;
    // "L2 R2 sum jumping_knowledge labels": what a stored Gram matrix was computed with.
    std::string key() const;
};

const char* config_name(NeighbourPooling pooling);
const char* config_name(GraphReadout readout);
const char* config_name(NodeFeatureSource source);

}  // namespace tb
