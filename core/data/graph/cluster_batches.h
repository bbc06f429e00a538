#pragma once
// Cluster-GCN's batches (Chiang et al., KDD 2019, section 3.2, "stochastic multiple partitions"): the
// graph is cut once into p clusters (core/data/graph/metis_partition.h); each batch joins q clusters
// drawn at random without replacement, and its adjacency is the subgraph those nodes induce, which
// restores the edges between the chosen clusters that the cut removed. Drawing q clusters afresh each
// time, instead of training on fixed clusters, is what lowers the variance between batches.
//
// The clusters come in a shuffled order that depends only on (seed, epoch), one pass over all p
// clusters being an epoch (the permutation is core/data/shuffled_batcher.h's, so a resumed run draws
// the same batches). The last batch of an epoch holds the clusters left over, possibly fewer than q; a
// batch never spans two epochs.

#include <cstdint>
#include <span>
#include <vector>

#include "core/data/graph/induced_subgraph.h"
#include "core/data/shuffled_batcher.h"
#include "core/tensor/host_csr.h"

namespace tb {

struct ClusterBatch {
    std::vector<std::int64_t> nodes;     // sorted global ids of the chosen clusters' nodes
    // The subgraph `nodes` induce, in local ids (positions in `nodes`), the graph's values kept (the raw
    // 0/1 adjacency, which a GCN then normalizes per batch). Empty (0 x 0) when the batcher was made
    // without a graph, for callers that build their own batch from `nodes`.
    HostCsr adjacency;
    std::vector<std::int32_t> clusters;  // the clusters drawn, in the order drawn
};

class ClusterBatcher {
public:
    // `cluster_of`: each node's cluster in [0, clusters) (partition_graph's result). A cluster may be
    // empty. Throws std::invalid_argument for clusters < 1 or an id out of range (naming the node).
    ClusterBatcher(std::span<const std::int32_t> cluster_of, std::int32_t clusters, std::uint64_t seed);
    // The same, and each batch carries the subgraph it induces in `adjacency` (square, one row per node
    // of cluster_of, rows sorted), which must outlive the batcher.
    ClusterBatcher(const HostCsr& adjacency, std::span<const std::int32_t> cluster_of, std::int32_t clusters,
                   std::uint64_t seed);
    ClusterBatcher(const HostCsr&& adjacency, std::span<const std::int32_t>, std::int32_t, std::uint64_t) = delete;

    // The next min(q, clusters left in this epoch) clusters. q above the cluster count is an error, not
    // clamped: a config asking for more clusters per batch than there are is a mistake to report (the
    // method's config check names the key), and a silent clamp would make a sweep over q misleading.
    // Throws std::invalid_argument when q is not in 1 .. cluster_count().
    ClusterBatch next(std::int32_t clusters_per_batch);

    std::int64_t epoch() const { return order_.epoch(); }  // epochs whose every cluster was handed out
    // ceil(p / q); the same check on q as next().
    std::int64_t batches_per_epoch(std::int32_t clusters_per_batch) const;
    std::int32_t cluster_count() const { return cluster_count_; }
    // The nodes of one cluster, sorted.
    std::span<const std::int64_t> cluster_nodes(std::int32_t cluster) const;

private:
    void check_clusters_per_batch(std::int32_t clusters_per_batch) const;

    const HostCsr* adjacency_ = nullptr;
    std::int32_t cluster_count_ = 0;
    // The nodes grouped by cluster (a counting sort of cluster_of), each group sorted.
    std::vector<std::int64_t> cluster_offsets_;
    std::vector<std::int64_t> members_;
    ShuffledBatcher order_;
};

}  // namespace tb
