#include "core/data/graph/cluster_batches.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tb {

namespace {

std::int32_t checked_cluster_count(std::int32_t clusters) {
    if (clusters < 1) throw std::invalid_argument("ClusterBatcher: " + std::to_string(clusters) + " clusters, need at least 1");
    return clusters;
}

}  // namespace

ClusterBatcher::ClusterBatcher(std::span<const std::int32_t> cluster_of, std::int32_t clusters, std::uint64_t seed)
    : cluster_count_(checked_cluster_count(clusters)),
      cluster_offsets_(static_cast<std::size_t>(clusters) + 1, 0),
      members_(cluster_of.size()),
      order_(clusters, seed) {
    for (std::size_t node = 0; node < cluster_of.size(); ++node) {
        const std::int32_t cluster = cluster_of[node];
        if (cluster < 0 || cluster >= clusters) {
            throw std::invalid_argument("ClusterBatcher: node " + std::to_string(node) + " is in cluster " +
                                        std::to_string(cluster) + ", outside 0.." + std::to_string(clusters - 1));
        }
        ++cluster_offsets_[static_cast<std::size_t>(cluster) + 1];
    }
    for (std::size_t c = 0; c < static_cast<std::size_t>(clusters); ++c) cluster_offsets_[c + 1] += cluster_offsets_[c];
    // Nodes in increasing order, so each cluster's group comes out sorted.
    std::vector<std::int64_t> next_slot(cluster_offsets_.begin(), cluster_offsets_.end() - 1);
    for (std::size_t node = 0; node < cluster_of.size(); ++node) {
        members_[static_cast<std::size_t>(next_slot[static_cast<std::size_t>(cluster_of[node])]++)] =
            static_cast<std::int64_t>(node);
    }
}

ClusterBatcher::ClusterBatcher(const HostCsr& adjacency, std::span<const std::int32_t> cluster_of, std::int32_t clusters,
                               std::uint64_t seed)
    : ClusterBatcher(cluster_of, clusters, seed) {
    if (adjacency.rows != adjacency.cols || adjacency.rows != static_cast<std::int64_t>(cluster_of.size())) {
        throw std::invalid_argument("ClusterBatcher: the adjacency is " + std::to_string(adjacency.rows) + " x " +
                                    std::to_string(adjacency.cols) + ", but the partition has " +
                                    std::to_string(cluster_of.size()) + " nodes");
    }
    adjacency_ = &adjacency;
}

void ClusterBatcher::check_clusters_per_batch(std::int32_t clusters_per_batch) const {
    if (clusters_per_batch < 1 || clusters_per_batch > cluster_count_) {
        throw std::invalid_argument("ClusterBatcher: " + std::to_string(clusters_per_batch) +
                                    " clusters per batch, must be 1.." + std::to_string(cluster_count_) +
                                    " (the number of clusters)");
    }
}

std::int64_t ClusterBatcher::batches_per_epoch(std::int32_t clusters_per_batch) const {
    check_clusters_per_batch(clusters_per_batch);
    return (std::int64_t{cluster_count_} + clusters_per_batch - 1) / clusters_per_batch;
}

std::span<const std::int64_t> ClusterBatcher::cluster_nodes(std::int32_t cluster) const {
    if (cluster < 0 || cluster >= cluster_count_) {
        throw std::invalid_argument("ClusterBatcher::cluster_nodes: no cluster " + std::to_string(cluster));
    }
    const std::int64_t begin = cluster_offsets_[static_cast<std::size_t>(cluster)];
    const std::int64_t end = cluster_offsets_[static_cast<std::size_t>(cluster) + 1];
    return {members_.data() + begin, static_cast<std::size_t>(end - begin)};
}

ClusterBatch ClusterBatcher::next(std::int32_t clusters_per_batch) {
    check_clusters_per_batch(clusters_per_batch);
    ClusterBatch batch;
    std::size_t node_count = 0;
    for (const std::int64_t cluster : order_.next(clusters_per_batch)) {
        batch.clusters.push_back(static_cast<std::int32_t>(cluster));
        node_count += cluster_nodes(static_cast<std::int32_t>(cluster)).size();
    }
    batch.nodes.reserve(node_count);
    for (const std::int32_t cluster : batch.clusters) {
        const auto members = cluster_nodes(cluster);
        batch.nodes.insert(batch.nodes.end(), members.begin(), members.end());
    }
    // Clusters are disjoint and each is sorted, so a sort of the joined groups gives the union in order.
    std::sort(batch.nodes.begin(), batch.nodes.end());
    if (adjacency_ != nullptr) batch.adjacency = induced_subgraph(*adjacency_, batch.nodes);
    return batch;
}

}  // namespace tb
