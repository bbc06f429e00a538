#pragma once
// The `topology` object of a decentralized method's config, and building it for a fleet of n workers:
//   {"kind": "ring"}                               i -- i+1 (mod n)
//   {"kind": "torus", "rows": 4}                   rows x (n / rows), wrap-around; rows 0: the squarest
//   {"kind": "complete"} | {"kind": "star"}
//   {"kind": "expander", "degree": 4, "seed": 1}   union of degree/2 random Hamiltonian cycles
//   {"kind": "edge_list", "file": "graphs/davis_southern_women.csv"}   any undirected edge list, which must
//                                                  have exactly n nodes
// and "weights": "metropolis_hastings" (default) or "uniform_ring" (1/3 each, rings only).

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/topology/mixing_matrix.h"
#include "core/topology/topology.h"

namespace tb {

struct TopologyConfig {
    std::string kind = "ring";
    std::int64_t rows = 0;      // torus
    std::int64_t degree = 4;    // expander
    std::int64_t seed = 1;      // expander
    std::string file;           // edge_list, resolved like a data file (core/data/data_paths.h)
    std::string weights = "metropolis_hastings";
};

// `reader` holds the topology object; errors name its key path ("method.topology.degree").
TopologyConfig parse_topology_config(ConfigReader reader);
nlohmann::json to_json(const TopologyConfig& config);

// The topology for `workers` nodes. Throws ConfigError naming `key_path` when the shape does not fit
// the fleet (a torus whose rows do not divide n, an edge list with another node count), DataError for an
// unreadable edge list.
Topology build_topology(const TopologyConfig& config, int workers, const std::string& key_path,
                        const std::filesystem::path& config_folder = {});
// The config's weights on that topology (ConfigError naming key_path + ".weights" when they do not apply).
MixingMatrix build_mixing_matrix(const TopologyConfig& config, const Topology& topology, const std::string& key_path);

}  // namespace tb
