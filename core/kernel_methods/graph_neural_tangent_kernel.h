#pragma once
// The Gram matrix of the graph neural tangent kernel (Du et al., NeurIPS 2019) over a graph collection.
// For graphs G and G' the kernel is carried by two node-pair matrices (n x n'), the covariance Sigma and
// the tangent kernel Theta:
//   input        Sigma = Theta = H H'^T, one row of node features per node;
//   each block   aggregate: Sigma <- C A Sigma A'^T C' and Theta likewise (A: the adjacency with
//                self-loops, C: 1 or 1 / (neighbours + 1) per node), then for each of its R ReLU layers
//                Sigma <- d d' (rho (pi - arccos rho) + sqrt(1 - rho^2)) / pi,
//                Sigma_dot = (pi - arccos rho) / pi,  Theta <- Theta * Sigma_dot + Sigma,
//                with rho = Sigma / (d d') and d, d' the two nodes' own standard deviations (from Sigma
//                of G with G, and of G' with G', at the same stage);
//   readout      the sum of Theta over all node pairs: of the last layer, or of the input and every
//                block's last layer (jumping knowledge).
//
// The collection is cut into blocks of consecutive graphs. The node pairs of two blocks form one dense
// matrix in which every entry belongs to some pair of graphs, so a block pair is a few dense passes
// rather than one small product per pair of graphs. Diagonal blocks go first: their diagonal entries
// are each node's own variance at every stage, which the block pairs read. Everything is in double:
// Sigma_dot has an infinite slope at rho = 1, which nodes with the same neighbourhood reach, and single
// precision would put errors of 1e-4 there.

#include <cstdint>
#include <span>
#include <vector>

#include "core/data/graph/graph_collection.h"
#include "core/kernel_methods/gntk_spec.h"

namespace tb {

class GraphNeuralTangentKernel {
public:
    // Blocks hold whole graphs, as many as fit in nodes_per_block (at least one graph each).
    GraphNeuralTangentKernel(const GraphCollection& collection, const GntkSpec& spec, std::int64_t nodes_per_block = 1024);

    std::int64_t graphs() const { return collection_.graphs(); }
    int block_count() const { return static_cast<int>(block_graph_offsets_.size()) - 1; }
    std::int64_t node_feature_width() const { return feature_width_; }

    // Work items. Every diagonal block must be computed before any block pair that reads it; block
    // pairs (first < second) are independent of each other and may run at once.
    void compute_diagonal_block(int block);
    void compute_block_pair(int first, int second);
    // Multiply-adds of one block pair (or diagonal block when first == second), for a cost model.
    double block_pair_work(int first, int second) const;

    // graphs x graphs, row-major, symmetric once every work item ran.
    const std::vector<double>& gram() const { return gram_; }

    // Everything, one work item after another.
    static std::vector<double> compute(const GraphCollection& collection, const GntkSpec& spec,
                                       std::int64_t nodes_per_block = 1024);

private:
    struct BlockNodes {
        std::int64_t first_graph, end_graph, first_node, end_node;
        std::int64_t nodes() const { return end_node - first_node; }
    };
    BlockNodes block_nodes(int block) const;
    // Sigma = Theta = H_a H_b^T for the nodes of two blocks.
    void input_covariance(const BlockNodes& a, const BlockNodes& b, std::vector<double>& sigma) const;
    // matrix <- C_a A_a matrix A_b^T C_b on the nodes of two blocks.
    void aggregate(const BlockNodes& a, const BlockNodes& b, std::vector<double>& matrix, std::vector<double>& scratch) const;
    // Adds the sums of theta over each pair of graphs of the two blocks to the Gram matrix.
    void read_out(const BlockNodes& a, const BlockNodes& b, const std::vector<double>& theta, std::vector<double>& sums) const;
    void run_block_pair(int first, int second);

    const GraphCollection& collection_;
    GntkSpec spec_;
    std::vector<std::int64_t> block_graph_offsets_;  // graphs of block k: [offsets[k], offsets[k+1])
    std::vector<float> node_features_;                // nodes x feature_width_, row-major
    std::int64_t feature_width_ = 0;
    std::vector<double> pooling_scale_;               // c_u per node
    // Standard deviation of each node's own activation before ReLU layer r of block l, at
    // [(l * R + r) * nodes + node].
    std::vector<double> node_deviation_;
    std::vector<double> gram_;
};

}  // namespace tb
