#include "core/topology/topology_config.h"

#include <cmath>
#include <stdexcept>

#include "core/config/field_table.h"
#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/topology/edge_list_reader.h"
#include "core/topology/topology_shapes.h"

namespace tb {

namespace {

using Config = TopologyConfig;

std::string kind_state(const Config& config) { return "topology kind '" + config.kind + "'"; }

const FieldTable<Config>& topology_fields() {
    static const FieldTable<Config> table = [] {
        FieldTable<Config> t;
        t.text_choice("kind", &Config::kind, {"ring", "torus", "complete", "star", "expander", "edge_list"}, "Topology",
                      "who gossips with whom");
        t.integer("rows", &Config::rows, "Torus rows", SettingRange::at_least(0),
                  "rows of the torus; they must divide the fleet (0: the squarest grid)")
            .only_when([](const Config& c) { return c.kind == "torus"; }, kind_state);
        t.integer("degree", &Config::degree, "Degree", SettingRange::at_least(2),
                  "edges per node: the union of degree / 2 random Hamiltonian cycles")
            .only_when([](const Config& c) { return c.kind == "expander"; }, kind_state)
            .check([](const Config& c, const ConfigReader& reader) {
                if (c.degree % 2 != 0) reader.fail("degree", "must be an even number of at least 2");
            });
        t.integer("seed", &Config::seed, "Seed", SettingRange::at_least(0), "which random cycles")
            .only_when([](const Config& c) { return c.kind == "expander"; }, kind_state);
        t.text("file", &Config::file, "Edge list", "an undirected edge list with exactly one node per worker",
               SettingType::file)
            .only_when([](const Config& c) { return c.kind == "edge_list"; }, kind_state)
            .required();
        t.text_choice("weights", &Config::weights, {"metropolis_hastings", "uniform_ring"}, "Mixing weights",
                      "Metropolis-Hastings weights, or 1/3 each on a ring")
            .check([](const Config& c, const ConfigReader& reader) {
                if (c.weights == "uniform_ring" && c.kind != "ring") {
                    reader.fail("weights", "'uniform_ring' needs kind 'ring', not '" + c.kind + "'");
                }
            });
        return t;
    }();
    return table;
}

}  // namespace

TopologyConfig parse_topology_config(ConfigReader reader) {
    TopologyConfig config;
    topology_fields().read(reader, config);
    reader.finish();
    return config;
}

nlohmann::json to_json(const TopologyConfig& config) { return topology_fields().to_json(config); }

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
