#include "core/data/graph/tu_collection_reader.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "core/data/graph/csv_fields.h"
#include "core/data/graph/symmetric_adjacency.h"
#include "core/data/text_lines.h"
#include "core/errors.h"

namespace tb {

namespace fs = std::filesystem;

namespace {

// One integer per non-blank line.
std::vector<std::int64_t> read_integers(const fs::path& file, const std::string& what, std::vector<std::int64_t>* line_numbers = nullptr) {
    std::vector<std::int64_t> values;
    TextLines lines(file);
    std::string_view line;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        if (fields.size() != 1) throw DataError(where(lines) + ": expected " + what + " alone on its line, found " + std::to_string(fields.size()) + " fields");
        values.push_back(parse_integer_field(fields.front(), lines, what));
        if (line_numbers != nullptr) line_numbers->push_back(lines.line_number());
    }
    return values;
}

// Values mapped to 0 .. distinct - 1 in ascending order of the values.
std::vector<std::int32_t> dense_codes(const std::vector<std::int64_t>& values, std::vector<std::int64_t>& distinct) {
    distinct = values;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    std::vector<std::int32_t> codes;
    codes.reserve(values.size());
    for (std::int64_t value : values) {
        codes.push_back(static_cast<std::int32_t>(std::lower_bound(distinct.begin(), distinct.end(), value) - distinct.begin()));
    }
    return codes;
}

}  // namespace

GraphCollection read_tu_collection(const fs::path& folder, const std::string& name) {
    if (!fs::is_directory(folder)) throw DataError(folder.string() + ": not a folder (a TU data set is one)");
    const std::string prefix = name.empty() ? folder.filename().string() : name;
    const auto file = [&](const std::string& suffix) { return folder / (prefix + "_" + suffix + ".txt"); };
    GraphCollection collection;
    collection.name = prefix;
    collection.source = folder.string();

    // Which graph each node is in: sorted and without gaps, so each graph is one range of nodes.
    const fs::path indicator_file = file("graph_indicator");
    {
        TextLines lines(indicator_file);
        std::string_view line;
        std::int64_t previous = 0;
        std::int64_t node = 0;
        while (lines.next(line)) {
            if (is_blank(line)) continue;
            const std::int64_t graph = parse_integer_field(split_fields(line).front(), lines, "a graph id");
            // Graph ids start at 1; a 0 (or anything else) before the first graph would put nodes in none.
            if (graph != previous + 1 && (graph != previous || previous == 0)) {
                throw DataError(where(lines) + ": node " + std::to_string(node + 1) + " is in graph " + std::to_string(graph) +
                                (previous == 0 ? "; the first node must be in graph 1"
                                               : " after a node of graph " + std::to_string(previous) +
                                                     "; the indicator must be sorted, each graph following the one before"));
            }
            if (graph == previous + 1) collection.graph_offsets.push_back(node);
            previous = graph;
            if (++node > std::numeric_limits<std::int32_t>::max()) throw DataError(where(lines) + ": more nodes than 2147483647");
        }
        if (node == 0) throw DataError(indicator_file.string() + ": no nodes");
        collection.graph_offsets.erase(collection.graph_offsets.begin());  // the 0 pushed for graph 1 repeats the first
        collection.graph_offsets.push_back(node);
    }
    const std::int64_t nodes = collection.nodes();
    std::vector<std::int32_t> graph_of(static_cast<std::size_t>(nodes));
    for (std::int64_t g = 0; g < collection.graphs(); ++g) {
        std::fill(graph_of.begin() + collection.graph_offsets[static_cast<std::size_t>(g)],
                  graph_of.begin() + collection.graph_offsets[static_cast<std::size_t>(g) + 1], static_cast<std::int32_t>(g));
    }

    std::vector<std::pair<std::int32_t, std::int32_t>> edges;
    {
        TextLines lines(file("A"));
        std::string_view line;
        while (lines.next(line)) {
            if (is_blank(line)) continue;
            const std::vector<std::string_view> fields = split_fields(line);
            if (fields.size() != 2) throw DataError(where(lines) + ": expected an edge 'u, v', found " + std::to_string(fields.size()) + " fields");
            std::int32_t ends[2];
            for (int k = 0; k < 2; ++k) {
                const std::int64_t id = parse_integer_field(fields[static_cast<std::size_t>(k)], lines, "a node id");
                if (id < 1 || id > nodes) {
                    throw DataError(where(lines) + ": node " + std::to_string(id) + " does not exist (the indicator lists " +
                                    std::to_string(nodes) + " nodes, ids 1 to " + std::to_string(nodes) + ")");
                }
                ends[k] = static_cast<std::int32_t>(id - 1);
            }
            if (graph_of[static_cast<std::size_t>(ends[0])] != graph_of[static_cast<std::size_t>(ends[1])]) {
                throw DataError(where(lines) + ": the edge joins node " + std::to_string(ends[0] + 1) + " of graph " +
                                std::to_string(graph_of[static_cast<std::size_t>(ends[0])] + 1) + " and node " +
                                std::to_string(ends[1] + 1) + " of graph " +
                                std::to_string(graph_of[static_cast<std::size_t>(ends[1])] + 1));
            }
            edges.emplace_back(ends[0], ends[1]);
        }
    }
    collection.adjacency = symmetric_adjacency(nodes, edges);

    const std::vector<std::int64_t> graph_labels = read_integers(file("graph_labels"), "a graph label");
    if (static_cast<std::int64_t>(graph_labels.size()) != collection.graphs()) {
        throw DataError(file("graph_labels").string() + ": holds " + std::to_string(graph_labels.size()) + " labels for the " +
                        std::to_string(collection.graphs()) + " graphs of the indicator");
    }
    collection.graph_labels = dense_codes(graph_labels, collection.graph_label_values);

    if (fs::exists(file("node_labels"))) {
        const std::vector<std::int64_t> node_labels = read_integers(file("node_labels"), "a node label");
        if (static_cast<std::int64_t>(node_labels.size()) != nodes) {
            throw DataError(file("node_labels").string() + ": holds " + std::to_string(node_labels.size()) +
                            " labels for the " + std::to_string(nodes) + " nodes of the indicator");
        }
        collection.node_labels = dense_codes(node_labels, collection.node_label_values);
    }

    collection.node_attributes.rows = nodes;
    if (fs::exists(file("node_attributes"))) {
        TextLines lines(file("node_attributes"));
        std::string_view line;
        std::int64_t row = 0;
        while (lines.next(line)) {
            if (is_blank(line)) continue;
            const std::vector<std::string_view> fields = split_fields(line);
            if (row == 0) collection.node_attributes.cols = static_cast<std::int64_t>(fields.size());
            if (static_cast<std::int64_t>(fields.size()) != collection.node_attributes.cols) {
                throw DataError(where(lines) + ": " + std::to_string(fields.size()) + " attributes, but the rows above have " +
                                std::to_string(collection.node_attributes.cols));
            }
            if (row == nodes) throw DataError(where(lines) + ": more attribute rows than the " + std::to_string(nodes) + " nodes");
            for (std::string_view field : fields) collection.node_attributes.values.push_back(parse_number_field(field, lines, "an attribute"));
            ++row;
        }
        if (row != nodes) {
            throw DataError(file("node_attributes").string() + ": holds " + std::to_string(row) + " rows for " +
                            std::to_string(nodes) + " nodes");
        }
    }
    return collection;
}

}  // namespace tb
