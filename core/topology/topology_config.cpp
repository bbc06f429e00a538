#include "core/topology/topology_config.h"

#include <cmath>
#include <stdexcept>

#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/topology/edge_list_reader.h"
#include "core/topology/topology_shapes.h"

namespace tb {

TopologyConfig parse_topology_config(ConfigReader reader) {
    TopologyConfig config;
    config.kind = reader.get_choice("kind", config.kind, {"ring", "torus", "complete", "star", "expander", "edge_list"});
    if (config.kind == "torus") {
        config.rows = reader.get_integer("rows", config.rows);
        reader.require_non_negative("rows", static_cast<double>(config.rows));
    } else if (config.kind == "expander") {
        config.degree = reader.get_integer("degree", config.degree);
        if (config.degree < 2 || config.degree % 2 != 0) reader.fail("degree", "must be an even number of at least 2");
        const std::int64_t seed = reader.get_integer("seed", 1);
        reader.require_non_negative("seed", static_cast<double>(seed));
        config.seed = static_cast<std::uint64_t>(seed);
    } else if (config.kind == "edge_list") {
        config.file = reader.require_string("file");
    }
    config.weights = reader.get_choice("weights", config.weights, {"metropolis_hastings", "uniform_ring"});
    if (config.weights == "uniform_ring" && config.kind != "ring") {
        reader.fail("weights", "'uniform_ring' needs kind 'ring', not '" + config.kind + "'");
    }
    reader.finish();
    return config;
}

nlohmann::json to_json(const TopologyConfig& config) {
    nlohmann::json json = {{"kind", config.kind}, {"weights", config.weights}};
    if (config.kind == "torus") json["rows"] = config.rows;
    if (config.kind == "expander") {
        json["degree"] = config.degree;
        json["seed"] = config.seed;
    }
    if (config.kind == "edge_list") json["file"] = config.file;
    return json;
}

namespace {

// The largest divisor of n not above its square root: the squarest rows x cols grid.
int squarest_rows(int n) {
    int rows = 1;
    for (int r = 1; r * r <= n; ++r) {
        if (n % r == 0) rows = r;
    }
    return rows;
}

}  // namespace

Topology build_topology(const TopologyConfig& config, int workers, const std::string& key_path,
                        const std::filesystem::path& config_folder) {
    try {
        if (config.kind == "ring") return ring_topology(workers);
        if (config.kind == "complete") return complete_topology(workers);
        if (config.kind == "star") return star_topology(workers);
        if (config.kind == "expander") return random_expander_topology(workers, static_cast<int>(config.degree), config.seed);
        if (config.kind == "torus") {
            const int rows = config.rows > 0 ? static_cast<int>(config.rows) : squarest_rows(workers);
            if (workers % rows != 0) {
                throw ConfigError(key_path + ".rows " + std::to_string(rows) + " does not divide the fleet's " +
                                  std::to_string(workers) + " workers into a torus");
            }
            return torus_topology(rows, workers / rows);
        }
        if (config.kind == "edge_list") {
            Topology topology = read_edge_list(resolve_data_path(config.file, config_folder));
            if (topology.node_count() != workers) {
                throw ConfigError(key_path + ".file " + config.file + " has " + std::to_string(topology.node_count()) +
                                  " nodes but the fleet has " + std::to_string(workers) +
                                  " workers: give fleet.devices one device per node");
            }
            return topology;
        }
    } catch (const std::invalid_argument& error) {
        throw ConfigError(key_path + ": " + error.what());
    }
    throw ConfigError(key_path + ".kind '" + config.kind + "' is not a topology");
}

MixingMatrix build_mixing_matrix(const TopologyConfig& config, const Topology& topology, const std::string& key_path) {
    try {
        return mixing_weights(config.weights, topology);
    } catch (const std::invalid_argument& error) {
        throw ConfigError(key_path + ".weights: " + error.what());
    }
}

}  // namespace tb
