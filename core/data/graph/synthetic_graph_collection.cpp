#include "core/data/graph/synthetic_graph_collection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/random/random_stream.h"
#include "core/random/splitmix64.h"

namespace tb {
namespace {

using NeighbourLists = std::vector<std::vector<std::int32_t>>;

void add_edge(NeighbourLists& neighbours, std::int32_t u, std::int32_t v) {
    neighbours[static_cast<std::size_t>(u)].push_back(v);
    neighbours[static_cast<std::size_t>(v)].push_back(u);
}

// G(n, p) by skipping over the pairs that are not edges (Batagelj and Brandes, "Efficient generation of
// large random networks", 2005): time in the edges drawn, not in the n^2 / 2 pairs, so that a spec with
// large graphs stays cheap.
void draw_erdos_renyi(std::int64_t nodes, double degree, RandomStream& random, NeighbourLists& neighbours) {
    const double p = degree / static_cast<double>(nodes - 1);
    if (p <= 0.0) return;
    if (p >= 1.0) {
        for (std::int32_t v = 1; v < nodes; ++v) {
            for (std::int32_t w = 0; w < v; ++w) add_edge(neighbours, v, w);
        }
        return;
    }
    const double log_miss = std::log1p(-p);
    std::int64_t v = 1;
    std::int64_t w = -1;
    while (v < nodes) {
        // 1 - uniform() lies in (0, 1], so the logarithm is finite.
        w += 1 + static_cast<std::int64_t>(std::floor(std::log(1.0 - random.uniform()) / log_miss));
        while (w >= v && v < nodes) {
            w -= v;
            ++v;
        }
        if (v < nodes) add_edge(neighbours, static_cast<std::int32_t>(v), static_cast<std::int32_t>(w));
    }
}

// Configuration model: each node gets floor(degree) or ceil(degree) stubs (the fraction decides which,
// so the mean is `degree`), the shuffled stubs are paired, and self-loops and repeated pairs are dropped.
// The drops make the mean slightly lower than `degree` in small dense graphs; "near" regular says so.
void draw_near_regular(std::int64_t nodes, double degree, RandomStream& random, NeighbourLists& neighbours) {
    const double whole = std::floor(degree);
    const double fraction = degree - whole;
    std::vector<std::int32_t> stubs;
    for (std::int32_t node = 0; node < nodes; ++node) {
        const int count = static_cast<int>(whole) + (random.uniform() < fraction ? 1 : 0);
        stubs.insert(stubs.end(), static_cast<std::size_t>(count), node);
    }
    random.shuffle(stubs);
    if (stubs.size() % 2 == 1) stubs.pop_back();
    for (std::size_t i = 0; i + 1 < stubs.size(); i += 2) {
        const std::int32_t u = stubs[i];
        const std::int32_t v = stubs[i + 1];
        const auto& of_u = neighbours[static_cast<std::size_t>(u)];
        if (u == v || std::find(of_u.begin(), of_u.end(), v) != of_u.end()) continue;
        add_edge(neighbours, u, v);
    }
}

}  // namespace

void SyntheticGraphCollectionSpec::check() const {
    const auto require = [](bool ok, const std::string& message) {
        if (!ok) throw std::invalid_argument("synthetic graph collection: " + message);
    };
    require(graphs >= 1, "graphs must be at least 1, got " + std::to_string(graphs));
    require(nodes_per_graph >= 2, "nodes_per_graph must be at least 2, got " + std::to_string(nodes_per_graph));
    require(nodes_per_graph <= std::numeric_limits<std::int32_t>::max() / graphs,
            "graphs x nodes_per_graph must stay below 2^31 (node ids are 32-bit)");
    require(class_degree_contrast >= 0.0 && class_degree_contrast < 1.0,
            "class_degree_contrast must be in [0, 1), got " + std::to_string(class_degree_contrast));
    require(average_degree >= 0.0 && average_degree * (1.0 + class_degree_contrast) <= static_cast<double>(nodes_per_graph - 1),
            "average_degree must be at least 0 and, times (1 + class_degree_contrast), at most nodes_per_graph - 1; got " +
                std::to_string(average_degree));
    require(node_label_count >= 1, "node_label_count must be at least 1, got " + std::to_string(node_label_count));
    require(class_one_label_zero_share >= 0.0 && class_one_label_zero_share <= 1.0,
            "class_one_label_zero_share must be in [0, 1], got " + std::to_string(class_one_label_zero_share));
}

const char* config_name(SyntheticGraphTopology topology) {
    return topology == SyntheticGraphTopology::erdos_renyi ? "erdos_renyi" : "near_regular";
}

GraphCollection generate_synthetic_graph_collection(const SyntheticGraphCollectionSpec& spec) {
    spec.check();
    GraphCollection collection;
    collection.name = spec.name;
    collection.source = "synthetic: " + std::to_string(spec.graphs) + " graphs x " + std::to_string(spec.nodes_per_graph) +
                        " nodes, " + config_name(spec.topology) + ", degree " + std::to_string(spec.average_degree) +
                        ", seed " + std::to_string(spec.seed);
    const std::int64_t nodes = spec.graphs * spec.nodes_per_graph;
    collection.graph_offsets.reserve(static_cast<std::size_t>(spec.graphs) + 1);
    collection.node_labels.reserve(static_cast<std::size_t>(nodes));
    collection.graph_labels.reserve(static_cast<std::size_t>(spec.graphs));
    collection.adjacency.rows = 0;
    collection.adjacency.cols = nodes;
    const std::vector<float> ones(static_cast<std::size_t>(spec.nodes_per_graph), 1.0f);

    NeighbourLists neighbours(static_cast<std::size_t>(spec.nodes_per_graph));
    std::vector<std::int32_t> row;
    for (std::int64_t graph = 0; graph < spec.graphs; ++graph) {
        RandomStream random(spec.seed ^ splitmix64_mix(static_cast<std::uint64_t>(graph) + 1));
        const std::int32_t label = static_cast<std::int32_t>(random.below(2));
        const double degree = spec.average_degree * (label == 1 ? 1.0 + spec.class_degree_contrast : 1.0 - spec.class_degree_contrast);
        for (auto& list : neighbours) list.clear();
        if (spec.topology == SyntheticGraphTopology::erdos_renyi) {
            draw_erdos_renyi(spec.nodes_per_graph, degree, random, neighbours);
        } else {
            draw_near_regular(spec.nodes_per_graph, degree, random, neighbours);
        }
        const std::int64_t first_node = collection.graph_offsets.back();
        for (std::int64_t node = 0; node < spec.nodes_per_graph; ++node) {
            const bool prefer_zero = label == 1 && random.uniform() < spec.class_one_label_zero_share;
            collection.node_labels.push_back(
                prefer_zero ? 0 : static_cast<std::int32_t>(random.below(static_cast<std::uint64_t>(spec.node_label_count))));
            row.clear();
            for (const std::int32_t neighbour : neighbours[static_cast<std::size_t>(node)]) {
                row.push_back(static_cast<std::int32_t>(first_node + neighbour));
            }
            std::sort(row.begin(), row.end());
            collection.adjacency.append_row(row, std::span<const float>(ones.data(), row.size()));
        }
        collection.graph_offsets.push_back(first_node + spec.nodes_per_graph);
        collection.graph_labels.push_back(label);
    }
    for (std::int64_t value = 0; value < spec.node_label_count; ++value) collection.node_label_values.push_back(value);
    collection.graph_label_values = {0, 1};
    return collection;
}

}  // namespace tb
