#include "core/data/graph/synthetic_graph.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace tb {
namespace {

// SplitMix64's finalizer: a counter-based generator, so a draw depends only on its inputs.
std::uint64_t mix(std::uint64_t value) {
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

// Streams of draws, kept apart so that adding a draw to one never shifts another.
enum class Stream : std::uint64_t { community, weight, stubs, edge_side, edge_target, label, feature, class_mean, label_profile, label_source };

std::uint64_t draw(std::uint64_t seed, Stream stream, std::uint64_t node, std::uint64_t index) {
    return mix(mix(mix(seed ^ (static_cast<std::uint64_t>(stream) << 56)) ^ node) ^ index);
}

// Uniform in [0, 1) with 53 random bits.
double unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

double normal(std::uint64_t bits_a, std::uint64_t bits_b) {
    const double radius = std::sqrt(-2.0 * std::log(1.0 - unit(bits_a)));
    return radius * std::cos(2.0 * std::numbers::pi * unit(bits_b));
}

// Communities with their members and cumulative expected degrees, for drawing a node of a community
// with probability proportional to its weight.
struct Communities {
    std::vector<std::int32_t> of_node;
    std::vector<std::int64_t> offsets;       // classes + 1
    std::vector<std::int32_t> members;       // grouped by community
    std::vector<double> cumulative_weight;   // aligned with members, restarting per community

    std::int32_t pick(std::int64_t community, double u) const {
        const auto begin = cumulative_weight.begin() + offsets[static_cast<std::size_t>(community)];
        const auto end = cumulative_weight.begin() + offsets[static_cast<std::size_t>(community) + 1];
        if (begin == end) return -1;
        const double target = u * *(end - 1);
        const auto found = std::min(std::upper_bound(begin, end, target), end - 1);
        return members[static_cast<std::size_t>(found - cumulative_weight.begin())];
    }
};

void check(const SyntheticGraphSpec& spec) {
    const auto require = [](bool ok, const char* message) {
        if (!ok) throw std::invalid_argument(std::string("synthetic graph: ") + message);
    };
    require(spec.nodes >= 2 && spec.nodes <= std::numeric_limits<std::int32_t>::max(), "nodes must be 2..2^31-1");
    require(spec.average_degree > 0.0 && spec.average_degree < static_cast<double>(spec.nodes), "average_degree must be above 0 and below nodes");
    require(spec.classes >= 1 && spec.classes <= spec.nodes, "classes must be 1..nodes");
    require(spec.label_signal >= 0.0 && spec.label_signal <= 1.0, "label_signal must be 0..1");
    require(spec.features >= 0, "features must be 0 or more");
    require(spec.intra_class_fraction >= 0.0 && spec.intra_class_fraction <= 1.0, "intra_class_fraction must be 0..1");
    require(spec.degree_exponent > 2.0, "degree_exponent must be above 2 (a finite mean degree)");
    const std::int64_t label_count = spec.multi_label_count > 0 ? spec.multi_label_count : spec.classes;
    require(spec.labels_per_node >= 1 && spec.labels_per_node <= label_count, "labels_per_node must be 1..the label count");
    require(label_count >= spec.classes, "multi_label_count must be at least classes (the community is a label)");
}

}  // namespace

NodeGraph generate_synthetic_graph(const SyntheticGraphSpec& spec) {
    check(spec);
    const std::int64_t nodes = spec.nodes;
    const auto node_count = static_cast<std::size_t>(nodes);
    const std::uint64_t seed = spec.seed;

    // Expected degrees follow a Pareto law with the given exponent, capped so that no node expects
    // more neighbours than a tenth of the graph.
    std::vector<double> weight(node_count);
    const double cap = std::max(1.0, static_cast<double>(nodes) / 10.0);
    double weight_sum = 0.0;
    for (std::size_t node = 0; node < node_count; ++node) {
        weight[node] = std::min(cap, std::pow(1.0 - unit(draw(seed, Stream::weight, node, 0)), -1.0 / (spec.degree_exponent - 1.0)));
        weight_sum += weight[node];
    }

    Communities communities;
    communities.of_node.resize(node_count);
    communities.offsets.assign(static_cast<std::size_t>(spec.classes) + 1, 0);
    for (std::size_t node = 0; node < node_count; ++node) {
        const auto community = static_cast<std::int32_t>(draw(seed, Stream::community, node, 0) % static_cast<std::uint64_t>(spec.classes));
        communities.of_node[node] = community;
        ++communities.offsets[static_cast<std::size_t>(community) + 1];
    }
    for (std::size_t c = 1; c < communities.offsets.size(); ++c) communities.offsets[c] += communities.offsets[c - 1];
    communities.members.resize(node_count);
    communities.cumulative_weight.resize(node_count);
    {
        std::vector<std::int64_t> cursor(communities.offsets.begin(), communities.offsets.end() - 1);
        for (std::size_t node = 0; node < node_count; ++node) {
            const auto slot = static_cast<std::size_t>(cursor[static_cast<std::size_t>(communities.of_node[node])]++);
            communities.members[slot] = static_cast<std::int32_t>(node);
        }
        for (std::int64_t c = 0; c < spec.classes; ++c) {
            double running = 0.0;
            for (auto slot = static_cast<std::size_t>(communities.offsets[static_cast<std::size_t>(c)]);
                 slot < static_cast<std::size_t>(communities.offsets[static_cast<std::size_t>(c) + 1]); ++slot) {
                running += weight[static_cast<std::size_t>(communities.members[slot])];
                communities.cumulative_weight[slot] = running;
            }
        }
    }

    // Node u starts about (average_degree / 2) * w_u / mean(w) edges ("stubs"), rounded at random; each
    // stub's other end is drawn from u's community or, for the other share, from another community, in
    // proportion to weight. Each edge lands in both rows, so the result is symmetric by construction.
    const double stubs_per_weight = spec.average_degree / 2.0 / (weight_sum / static_cast<double>(nodes));
    const auto stubs_of = [&](std::size_t node) {
        const double expected = stubs_per_weight * weight[node];
        const double whole = std::floor(expected);
        return static_cast<std::int64_t>(whole) + (unit(draw(seed, Stream::stubs, node, 0)) < expected - whole ? 1 : 0);
    };
    const auto target_of = [&](std::size_t node, std::int64_t stub) -> std::int32_t {
        const auto index = static_cast<std::uint64_t>(stub);
        std::int64_t community = communities.of_node[node];
        if (spec.classes > 1 && unit(draw(seed, Stream::edge_side, node, index)) >= spec.intra_class_fraction) {
            const auto shift = 1 + draw(seed, Stream::edge_side, node, index ^ (1ULL << 63)) % static_cast<std::uint64_t>(spec.classes - 1);
            community = (community + static_cast<std::int64_t>(shift)) % spec.classes;
        }
        const std::int32_t target = communities.pick(community, unit(draw(seed, Stream::edge_target, node, index)));
        return target == static_cast<std::int32_t>(node) ? -1 : target;  // no self-loops
    };

    NodeGraph graph;
    graph.name = spec.name;
    graph.source = "synthetic degree-corrected block model, seed " + std::to_string(spec.seed);
    graph.nodes = nodes;
    HostCsr& adjacency = graph.adjacency;
    adjacency.rows = nodes;
    adjacency.cols = nodes;
    adjacency.row_offsets.assign(node_count + 1, 0);
    for (std::size_t node = 0; node < node_count; ++node) {
        const std::int64_t stubs = stubs_of(node);
        for (std::int64_t stub = 0; stub < stubs; ++stub) {
            const std::int32_t target = target_of(node, stub);
            if (target < 0) continue;
            ++adjacency.row_offsets[node + 1];
            ++adjacency.row_offsets[static_cast<std::size_t>(target) + 1];
        }
    }
    for (std::size_t row = 1; row <= node_count; ++row) adjacency.row_offsets[row] += adjacency.row_offsets[row - 1];
    adjacency.column_indices.resize(static_cast<std::size_t>(adjacency.row_offsets.back()));
    {
        std::vector<std::int64_t> cursor(adjacency.row_offsets.begin(), adjacency.row_offsets.end() - 1);
        for (std::size_t node = 0; node < node_count; ++node) {
            const std::int64_t stubs = stubs_of(node);
            for (std::int64_t stub = 0; stub < stubs; ++stub) {
                const std::int32_t target = target_of(node, stub);
                if (target < 0) continue;
                adjacency.column_indices[static_cast<std::size_t>(cursor[node]++)] = target;
                adjacency.column_indices[static_cast<std::size_t>(cursor[static_cast<std::size_t>(target)]++)] = static_cast<std::int32_t>(node);
            }
        }
    }
    // Two stubs may draw the same pair; sort each row and close the gaps in place. Both ends of a pair
    // lose the same duplicates, so the rows stay symmetric.
    std::int64_t write = 0;
    std::int64_t row_begin = 0;
    for (std::size_t node = 0; node < node_count; ++node) {
        const std::int64_t row_end = adjacency.row_offsets[node + 1];
        const auto first = adjacency.column_indices.begin() + row_begin;
        const auto last = adjacency.column_indices.begin() + row_end;
        std::sort(first, last);
        const auto unique_end = std::unique(first, last);
        const std::int64_t kept = unique_end - first;
        std::move(first, unique_end, adjacency.column_indices.begin() + write);
        write += kept;
        row_begin = row_end;
        adjacency.row_offsets[node + 1] = write;
    }
    adjacency.column_indices.resize(static_cast<std::size_t>(write));
    adjacency.column_indices.shrink_to_fit();
    adjacency.values.assign(adjacency.column_indices.size(), 1.0f);

    // Labels: the community first, then distinct further labels drawn per node.
    const std::int64_t label_count = spec.multi_label_count > 0 ? spec.multi_label_count : spec.classes;
    graph.multi_label = spec.labels_per_node > 1 || spec.multi_label_count > 0;
    graph.labels.cols = label_count;
    std::vector<std::int32_t> row_labels;
    std::vector<float> ones(static_cast<std::size_t>(spec.labels_per_node), 1.0f);
    // Each community has a profile of labels_per_node labels; a further label comes from the node's
    // community's profile with probability label_signal, else from all labels, so that (as in PPI) the
    // labels follow the graph's structure and features instead of being noise no model can learn.
    const auto profile_size = static_cast<std::uint64_t>(spec.labels_per_node);
    // Past this many attempts only uniform draws remain, which always finish the row.
    const auto profile_attempts = static_cast<std::uint64_t>(8 * spec.labels_per_node);
    for (std::size_t node = 0; node < node_count; ++node) {
        const std::int32_t community = communities.of_node[node];
        row_labels.assign(1, community);
        for (std::uint64_t attempt = 0; static_cast<std::int64_t>(row_labels.size()) < spec.labels_per_node; ++attempt) {
            const std::uint64_t bits = draw(seed, Stream::label, node, attempt);
            const bool from_profile =
                attempt < profile_attempts && unit(draw(seed, Stream::label_source, node, attempt)) < spec.label_signal;
            const std::uint64_t source = from_profile ? draw(seed, Stream::label_profile, static_cast<std::uint64_t>(community),
                                                             bits % profile_size)
                                                      : bits;
            const auto label = static_cast<std::int32_t>(source % static_cast<std::uint64_t>(label_count));
            if (std::find(row_labels.begin(), row_labels.end(), label) == row_labels.end()) row_labels.push_back(label);
        }
        std::sort(row_labels.begin(), row_labels.end());
        graph.labels.append_row(row_labels, {ones.data(), row_labels.size()});
    }

    // Features: the community's mean (a standard normal vector scaled by feature_signal) plus unit noise.
    graph.features = HostMatrix(nodes, spec.features);
    const auto feature_count = static_cast<std::size_t>(spec.features);
    std::vector<float> class_means(static_cast<std::size_t>(spec.classes) * feature_count);
    for (std::size_t i = 0; i < class_means.size(); ++i) {
        class_means[i] = static_cast<float>(spec.feature_signal * normal(draw(seed, Stream::class_mean, i, 0), draw(seed, Stream::class_mean, i, 1)));
    }
    for (std::size_t node = 0; node < node_count; ++node) {
        const float* mean = class_means.data() + static_cast<std::size_t>(communities.of_node[node]) * feature_count;
        float* row = graph.features.values.data() + node * feature_count;
        for (std::size_t feature = 0; feature < feature_count; ++feature) {
            row[feature] = mean[feature] + static_cast<float>(normal(draw(seed, Stream::feature, node, 2 * feature),
                                                                      draw(seed, Stream::feature, node, 2 * feature + 1)));
        }
    }
    return graph;
}

double intra_class_edge_fraction(const NodeGraph& graph) {
    std::int64_t edges = 0;
    std::int64_t intra = 0;
    for (std::int64_t node = 0; node < graph.nodes; ++node) {
        const std::int32_t own = graph.labels.row_columns(node)[0];
        for (const std::int32_t neighbour : graph.adjacency.row_columns(node)) {
            if (neighbour == node) continue;
            ++edges;
            intra += graph.labels.row_columns(neighbour)[0] == own;
        }
    }
    return edges == 0 ? 0.0 : static_cast<double>(intra) / static_cast<double>(edges);
}

}  // namespace tb
