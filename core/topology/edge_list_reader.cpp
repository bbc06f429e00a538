#include "core/topology/edge_list_reader.h"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "core/data/regular_file_check.h"

namespace tb {

namespace {

// Skips spaces and tabs from `position`.
std::size_t skip_blanks(const std::string& line, std::size_t position) {
    while (position < line.size() && (line[position] == ' ' || line[position] == '\t' || line[position] == '\r')) ++position;
    return position;
}

}  // namespace

Topology read_edge_list(const std::filesystem::path& path) {
    require_regular_file(path);
    std::ifstream file(path);
    if (!file) throw DataError("cannot open the edge list " + path.string());
    const auto fail = [&](std::size_t line_number, const std::string& message) {
        throw DataError(path.string() + ":" + std::to_string(line_number) + ": " + message);
    };
    std::vector<std::pair<int, int>> edges;
    std::map<std::pair<int, int>, std::size_t> line_of_edge;
    int largest = -1;
    std::pair<int, int> largest_edge{-1, -1};
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(file, line)) {
        ++line_number;
        std::size_t position = skip_blanks(line, 0);
        if (position == line.size() || line[position] == '#') continue;
        int ends[2] = {0, 0};
        for (int k = 0; k < 2; ++k) {
            position = skip_blanks(line, position);
            if (k == 1 && position < line.size() && line[position] == ',') position = skip_blanks(line, position + 1);
            const auto [rest, error] = std::from_chars(line.data() + position, line.data() + line.size(), ends[k]);
            if (error != std::errc() || ends[k] < 0) {
                fail(line_number, "expected an edge 'u,v' of two non-negative node ids, got '" + line + "'");
            }
            position = static_cast<std::size_t>(rest - line.data());
        }
        if (skip_blanks(line, position) != line.size()) fail(line_number, "unexpected text after the edge in '" + line + "'");
        if (ends[0] == ends[1]) fail(line_number, "node " + std::to_string(ends[0]) + " is linked to itself");
        const std::pair<int, int> edge{std::min(ends[0], ends[1]), std::max(ends[0], ends[1])};
        if (const auto seen = line_of_edge.find(edge); seen != line_of_edge.end()) {
            fail(line_number, "edge " + std::to_string(edge.first) + "-" + std::to_string(edge.second) +
                                  " repeats line " + std::to_string(seen->second));
        }
        line_of_edge.emplace(edge, line_number);
        edges.push_back(edge);
        if (edge.second > largest) {
            largest = edge.second;
            largest_edge = edge;
        }
    }
    if (edges.empty()) throw DataError(path.string() + ": the edge list holds no edges");
    // A connected graph of E edges has at most E + 1 nodes. Checked here, before the topology sizes its
    // tables by the largest id: one mistyped id ("777772574" for "77") would otherwise ask for gigabytes
    // of neighbour lists, and the largest int would overflow the node count.
    if (static_cast<std::size_t>(largest) > edges.size()) {
        std::set<int> nodes;
        for (const auto& [a, b] : edges) nodes.insert({a, b});
        int missing = 0;
        while (nodes.contains(missing)) ++missing;
        const std::string gap = missing < largest ? "; node " + std::to_string(missing) +
                                                        " has no edge (node ids run from 0 without gaps)"
                                                  : "";
        throw DataError(path.string() + ":" + std::to_string(line_of_edge.at(largest_edge)) +
                        ": the edge list is not connected: node id " + std::to_string(largest) + " makes " +
                        std::to_string(std::int64_t{largest} + 1) + " nodes, but " + std::to_string(edges.size()) +
                        " edges can connect at most " + std::to_string(edges.size() + 1) + gap);
    }
    try {
        return Topology("edge list " + path.filename().string(), largest + 1, std::move(edges));
    } catch (const std::invalid_argument& error) {
        throw DataError(path.string() + ": " + error.what());
    }
}

}  // namespace tb
