#include "core/data/graph/random_node_split.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace tb {

namespace {

std::vector<std::int64_t> shuffled_nodes(std::int64_t nodes, std::uint64_t seed) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(nodes));
    std::iota(order.begin(), order.end(), 0);
    // std::shuffle's algorithm is the library's choice; a Fisher-Yates over mt19937_64 draws with an
    // explicit modulo keeps the split the same across standard libraries.
    std::mt19937_64 generator(seed ^ 0x5EED5711ULL);
    for (std::size_t i = order.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(generator() % i);
        std::swap(order[i - 1], order[j]);
    }
    return order;
}

}  // namespace

void assign_planetoid_split(NodeGraph& graph, const PlanetoidSplitSizes& sizes, std::uint64_t seed) {
    const std::int64_t classes = graph.labels.cols;
    if (sizes.per_class * classes + sizes.valid + sizes.test > graph.nodes) {
        throw std::invalid_argument("a Planetoid split of " + std::to_string(sizes.per_class) + " nodes per class (" +
                                    std::to_string(classes) + " classes), " + std::to_string(sizes.valid) + " valid and " +
                                    std::to_string(sizes.test) + " test nodes needs more than the graph's " +
                                    std::to_string(graph.nodes) + " nodes");
    }
    std::vector<std::int64_t> taken_per_class(static_cast<std::size_t>(classes), 0);
    std::vector<std::int64_t> train;
    std::vector<std::int64_t> rest;
    for (const std::int64_t node : shuffled_nodes(graph.nodes, seed)) {
        const auto labels = graph.labels.row_columns(node);
        const std::int64_t label = labels.empty() ? -1 : labels.front();
        if (label >= 0 && taken_per_class[static_cast<std::size_t>(label)] < sizes.per_class) {
            ++taken_per_class[static_cast<std::size_t>(label)];
            train.push_back(node);
        } else {
            rest.push_back(node);
        }
    }
    graph.splits.clear();
    std::sort(train.begin(), train.end());
    graph.splits["train"] = std::move(train);
    graph.splits["valid"].assign(rest.begin(), rest.begin() + sizes.valid);
    graph.splits["test"].assign(rest.begin() + sizes.valid, rest.begin() + sizes.valid + sizes.test);
    std::sort(graph.splits["valid"].begin(), graph.splits["valid"].end());
    std::sort(graph.splits["test"].begin(), graph.splits["test"].end());
}

void assign_fraction_split(NodeGraph& graph, const FractionSplitSizes& sizes, std::uint64_t seed) {
    if (sizes.train <= 0 || sizes.valid < 0 || sizes.train + sizes.valid >= 1) {
        throw std::invalid_argument("split fractions must leave a share for each of train and test");
    }
    const std::vector<std::int64_t> order = shuffled_nodes(graph.nodes, seed);
    const auto count = [&](double share) { return static_cast<std::int64_t>(share * static_cast<double>(graph.nodes)); };
    const std::int64_t train_end = std::max<std::int64_t>(1, count(sizes.train));
    const std::int64_t valid_end = std::min(graph.nodes - 1, train_end + count(sizes.valid));
    graph.splits.clear();
    const auto assign = [&](const char* name, std::int64_t begin, std::int64_t end) {
        std::vector<std::int64_t>& nodes = graph.splits[name];
        nodes.assign(order.begin() + begin, order.begin() + end);
        std::sort(nodes.begin(), nodes.end());
    };
    assign("train", 0, train_end);
    assign("valid", train_end, valid_end);
    assign("test", valid_end, graph.nodes);
}

}  // namespace tb
