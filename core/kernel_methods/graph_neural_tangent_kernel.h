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
// matrix in which every entry belongs to some pair of graphs, so a block pair is a few passes of backend
// operations over it rather than one small product per pair of graphs: the input covariance is a GEMM,
// each aggregation a sparse product from the left and one from the right (the blocks' adjacencies with
// self-loops, rows scaled by the pooling), each ReLU layer one relu_kernel_expectation, and the readout
// two sparse products with the blocks' graph indicator matrices. Diagonal blocks go first: their
// diagonal entries are each node's own variance at every stage, which the block pairs read.
//
// Everything is in double (Backend's *_f64 operations): Sigma_dot has an infinite slope at rho = 1,
// which nodes with the same neighbourhood reach, and single precision would put errors of 1e-4 there.

#include <cstdint>
#include <span>
#include <vector>

#include "core/backend/backend.h"
#include "core/data/graph/graph_collection.h"
#include "core/tensor/host_csr.h"
#include "core/kernel_methods/gntk_spec.h"

namespace tb {

class GraphNeuralTangentKernel {
public:
    // Blocks hold whole graphs, as many as fit in nodes_per_block (at least one graph each).
    GraphNeuralTangentKernel(const GraphCollection& collection, const GntkSpec& spec, std::int64_t nodes_per_block = 256);

    std::int64_t graphs() const { return collection_.graphs(); }
    int block_count() const { return static_cast<int>(block_graph_offsets_.size()) - 1; }
    std::int64_t node_feature_width() const { return feature_width_; }

    // Work items, each on the backend it is given (any device's). Every diagonal block must be computed
    // before any block pair that reads it; block pairs (first < second) are independent of each other
    // and may run at once on different backends.
    void compute_diagonal_block(Backend& backend, int block);
    void compute_block_pair(Backend& backend, int first, int second);
    // Multiply-adds of one block pair (or diagonal block when first == second), for a cost model.
    double block_pair_work(int first, int second) const;

    // graphs x graphs, row-major, symmetric once every work item ran.
    const std::vector<double>& gram() const { return gram_; }

    // Everything, one work item after another, on `backend` (null: a CPU backend on every core).
    static std::vector<double> compute(const GraphCollection& collection, const GntkSpec& spec,
                                       std::int64_t nodes_per_block = 256, Backend* backend = nullptr);

private:
    struct BlockNodes {
        std::int64_t first_graph, end_graph, first_node, end_node;
        std::int64_t nodes() const { return end_node - first_node; }
        std::int64_t graphs() const { return end_graph - first_graph; }
    };
    // What a block's work items read, built once on the host.
    struct BlockData {
        BlockNodes range;
        HostCsr adjacency;           // nodes x nodes, local ids, with self-loops: the aggregation's A + I
        HostCsr graph_indicator;     // graphs x nodes: row g holds graph g's nodes, for the readout
        std::vector<double> features;  // nodes x feature width, row-major
        std::vector<double> pooling;   // c_u per node
    };
    BlockNodes block_nodes(int block) const;
    void run_block_pair(Backend& backend, int first, int second);

    const GraphCollection& collection_;
    GntkSpec spec_;
    std::vector<std::int64_t> block_graph_offsets_;  // graphs of block k: [offsets[k], offsets[k+1])
    std::vector<BlockData> blocks_;
    std::int64_t feature_width_ = 0;
    // Each node's own variance before ReLU layer r of block l, at [(l * R + r) * nodes + node]: written by
    // the diagonal blocks, read by the block pairs.
    std::vector<double> node_variance_;
    std::vector<double> gram_;
};

}  // namespace tb
