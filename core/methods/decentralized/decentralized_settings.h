#pragma once
// The knobs every decentralized method shares (dsgd, dsgdm, qg_dsgdm, gradient_tracking):
//   batch_size        rows per worker per round, drawn from the worker's own part of the training set
//                     (dataset.partition)
//   topology          who gossips with whom, and the mixing weights (core/topology/topology_config.h)
//   evaluate_workers  also evaluate every worker's own model at each evaluation (worker<i>.<metric>,
//                     worker_mean.<metric>), next to the averaged model and the consensus distance

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/topology/topology_config.h"

namespace tb {

struct DecentralizedSettings {
    std::int64_t batch_size = 32;
    TopologyConfig topology;
    bool evaluate_workers = true;
};

// Reads the shared knobs from a method's reader; the caller reads its own and calls reader.finish().
DecentralizedSettings read_decentralized_settings(ConfigReader& reader);
nlohmann::json to_json(const DecentralizedSettings& settings);
DecentralizedSettings decentralized_settings_from_json(const nlohmann::json& parameters);

}  // namespace tb
