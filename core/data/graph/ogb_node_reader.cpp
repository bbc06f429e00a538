#include "core/data/graph/ogb_node_reader.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "core/data/graph/csv_fields.h"
#include "core/data/graph/symmetric_adjacency.h"
#include "core/data/text_lines.h"
#include "core/errors.h"

namespace tb {

namespace fs = std::filesystem;

namespace {

// `stem`.csv.gz, else `stem`.csv; a DataError naming both when neither is there.
fs::path csv_file(const fs::path& folder, const std::string& stem) {
    for (const char* extension : {".csv.gz", ".csv"}) {
        const fs::path candidate = folder / (stem + extension);
        if (fs::exists(candidate)) return candidate;
    }
    throw DataError(folder.string() + ": neither " + stem + ".csv.gz nor " + stem +
                    ".csv is there (the OGB node-property layout needs raw/ and split/<name>/ files)");
}

// The single number a count file holds.
std::int64_t read_count(const fs::path& file, const char* what) {
    TextLines lines(file);
    std::string_view line;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        const std::int64_t count = parse_integer_field(fields.front(), lines, what);
        if (fields.size() != 1 || count < 0) {
            throw DataError(where(lines) + ": expected one " + what + " of 0 or more (this reader reads one graph)");
        }
        return count;
    }
    throw DataError(file.string() + ": expected " + what + ", found an empty file");
}

std::int32_t node_id(std::string_view field, const TextLines& lines, std::int64_t nodes) {
    const std::int64_t id = parse_integer_field(field, lines, "a node id");
    if (id < 0 || id >= nodes) {
        throw DataError(where(lines) + ": node " + std::to_string(id) + " does not exist (the graph has " +
                        std::to_string(nodes) + " nodes, ids 0 to " + std::to_string(nodes - 1) + ")");
    }
    return static_cast<std::int32_t>(id);
}

HostCsr read_edges(const fs::path& file, std::int64_t nodes, std::int64_t edge_count) {
    std::vector<std::pair<std::int32_t, std::int32_t>> edges;
    // The count is the file's claim, not yet its content: reserve no more than a few MB on its word.
    edges.reserve(static_cast<std::size_t>(std::min<std::int64_t>(edge_count, std::int64_t{1} << 20)));
    TextLines lines(file);
    std::string_view line;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        if (fields.size() != 2) {
            throw DataError(where(lines) + ": expected an edge 'u,v', found " + std::to_string(fields.size()) + " fields");
        }
        edges.emplace_back(node_id(fields[0], lines, nodes), node_id(fields[1], lines, nodes));
    }
    if (static_cast<std::int64_t>(edges.size()) != edge_count) {
        throw DataError(file.string() + ": holds " + std::to_string(edges.size()) + " edges, but num-edge-list says " +
                        std::to_string(edge_count));
    }
    return symmetric_adjacency(nodes, edges);
}

HostMatrix read_features(const fs::path& file, std::int64_t nodes) {
    HostMatrix features;
    features.rows = nodes;
    std::vector<float>& values = features.values;
    TextLines lines(file);
    std::string_view line;
    std::int64_t row = 0;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        if (row == 0) {
            features.cols = static_cast<std::int64_t>(fields.size());
            values.reserve(static_cast<std::size_t>(std::min<std::int64_t>(nodes * features.cols, std::int64_t{1} << 22)));
        } else if (static_cast<std::int64_t>(fields.size()) != features.cols) {
            throw DataError(where(lines) + ": a feature row of " + std::to_string(fields.size()) + " values, but the rows above have " +
                            std::to_string(features.cols));
        }
        if (row == nodes) throw DataError(where(lines) + ": more feature rows than the graph's " + std::to_string(nodes) + " nodes");
        for (std::string_view field : fields) values.push_back(parse_number_field(field, lines, "a feature value"));
        ++row;
    }
    if (row != nodes) {
        throw DataError(file.string() + ": holds " + std::to_string(row) + " feature rows for " + std::to_string(nodes) + " nodes");
    }
    return features;
}

// Single-label (one class id per line) or multi-label (0/1 columns); into label rows either way.
HostCsr read_labels(const fs::path& file, std::int64_t nodes, bool& multi_label) {
    std::vector<std::vector<std::int32_t>> rows;
    std::int64_t columns = -1;
    std::int64_t largest_class = -1;
    TextLines lines(file);
    std::string_view line;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        if (columns < 0) columns = static_cast<std::int64_t>(fields.size());
        if (static_cast<std::int64_t>(fields.size()) != columns) {
            throw DataError(where(lines) + ": " + std::to_string(fields.size()) + " label columns, but the rows above have " +
                            std::to_string(columns));
        }
        if (static_cast<std::int64_t>(rows.size()) == nodes) {
            throw DataError(where(lines) + ": more label rows than the graph's " + std::to_string(nodes) + " nodes");
        }
        std::vector<std::int32_t>& labels = rows.emplace_back();
        if (columns == 1) {
            const std::int64_t label = parse_integer_field(fields.front(), lines, "a class id");
            if (label < 0 || label > std::numeric_limits<std::int32_t>::max() - 1) {
                throw DataError(where(lines) + ": a class id must be 0 or more, found " + std::to_string(label));
            }
            labels.push_back(static_cast<std::int32_t>(label));
            largest_class = std::max(largest_class, label);
        } else {
            for (std::size_t c = 0; c < fields.size(); ++c) {
                const std::int64_t bit = parse_integer_field(fields[c], lines, "a 0 or 1 label column");
                if (bit != 0 && bit != 1) throw DataError(where(lines) + ": a multi-label column holds 0 or 1, found " + std::to_string(bit));
                if (bit == 1) labels.push_back(static_cast<std::int32_t>(c));
            }
        }
    }
    if (static_cast<std::int64_t>(rows.size()) != nodes) {
        throw DataError(file.string() + ": holds " + std::to_string(rows.size()) + " label rows for " + std::to_string(nodes) + " nodes");
    }
    multi_label = columns > 1;
    HostCsr labels;
    labels.cols = multi_label ? columns : largest_class + 1;
    for (const std::vector<std::int32_t>& row : rows) labels.append_row(row, std::vector<float>(row.size(), 1.0f));
    return labels;
}

std::vector<std::int64_t> read_split(const fs::path& file, std::int64_t nodes) {
    std::vector<std::int64_t> ids;
    std::vector<bool> seen(static_cast<std::size_t>(nodes), false);
    TextLines lines(file);
    std::string_view line;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        if (fields.size() != 1) throw DataError(where(lines) + ": expected one node id per line, found " + std::to_string(fields.size()) + " fields");
        const std::int64_t id = parse_integer_field(fields.front(), lines, "a node id");
        if (id < 0 || id >= nodes) {
            throw DataError(where(lines) + ": split id " + std::to_string(id) + " is out of range (the graph has " +
                            std::to_string(nodes) + " nodes, ids 0 to " + std::to_string(nodes - 1) + ")");
        }
        if (seen[static_cast<std::size_t>(id)]) throw DataError(where(lines) + ": node " + std::to_string(id) + " is listed twice");
        seen[static_cast<std::size_t>(id)] = true;
        ids.push_back(id);
    }
    return ids;
}

}  // namespace

std::int64_t NodeGraph::undirected_edges() const {
    std::int64_t self_loops = 0;
    for (std::int64_t row = 0; row < adjacency.rows; ++row) {
        for (std::int32_t column : adjacency.row_columns(row)) self_loops += column == row ? 1 : 0;
    }
    return (adjacency.nnz() - self_loops) / 2 + self_loops;
}

NodeGraph read_ogb_node_graph(const fs::path& folder, const std::string& split) {
    if (!fs::is_directory(folder)) throw DataError(folder.string() + ": not a folder (an OGB node-property data set is one)");
    const fs::path raw = folder / "raw";
    NodeGraph graph;
    graph.name = folder.filename().string();
    graph.source = folder.string();
    graph.nodes = read_count(csv_file(raw, "num-node-list"), "a node count");
    const std::int64_t edge_count = read_count(csv_file(raw, "num-edge-list"), "an edge count");
    if (graph.nodes == 0 || graph.nodes > std::numeric_limits<std::int32_t>::max()) {
        throw DataError(csv_file(raw, "num-node-list").string() + ": a graph of " + std::to_string(graph.nodes) +
                        " nodes (1 to 2147483647 are read)");
    }
    // The features first: their rows prove the node count before anything is sized by it.
    graph.features = read_features(csv_file(raw, "node-feat"), graph.nodes);
    graph.adjacency = read_edges(csv_file(raw, "edge"), graph.nodes, edge_count);
    graph.labels = read_labels(csv_file(raw, "node-label"), graph.nodes, graph.multi_label);

    fs::path split_folder;
    if (!split.empty()) {
        split_folder = folder / "split" / split;
        if (!fs::is_directory(split_folder)) throw DataError(split_folder.string() + ": no such split folder");
    } else {
        std::vector<fs::path> candidates;
        if (fs::is_directory(folder / "split")) {
            for (const fs::directory_entry& entry : fs::directory_iterator(folder / "split")) {
                if (entry.is_directory()) candidates.push_back(entry.path());
            }
        }
        if (candidates.size() != 1) {
            throw DataError((folder / "split").string() + ": " + std::to_string(candidates.size()) +
                            " split folders; name the one to read");
        }
        split_folder = candidates.front();
    }
    for (const char* part : {"train", "valid", "test"}) graph.splits[part] = read_split(csv_file(split_folder, part), graph.nodes);
    return graph;
}

}  // namespace tb
