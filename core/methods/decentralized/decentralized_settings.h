#pragma once
// The knobs every decentralized method shares (dsgd, dsgdm, qg_dsgdm, gradient_tracking):
//   batch_size        rows per worker per round, drawn from the worker's own part of the training set
//                     (dataset.partition)
//   topology          who gossips with whom, and the mixing weights (core/topology/topology_config.h)
//   evaluate_workers  also evaluate every worker's own model at each evaluation (worker<i>.<metric>,
//                     worker_mean.<metric>), next to the averaged model and the consensus distance
// A method with knobs of its own derives its settings from DecentralizedSettings and declares the
// shared fields first with declare_decentralized_fields.

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/field_table.h"
#include "core/topology/topology_config.h"

namespace tb {

struct DecentralizedSettings {
    std::int64_t batch_size = 32;
    TopologyConfig topology;
    bool evaluate_workers = true;
};

template <typename Settings>
void declare_decentralized_fields(FieldTable<Settings>& table) {
    table.integer("batch_size", &Settings::batch_size, "Batch size", SettingRange::between(1, 1 << 20),
                  "rows per worker per round, from the worker's own part of the data");
    table.json_object(
        "topology",
        [](ConfigReader& section, Settings& settings) {
            settings.topology = parse_topology_config(section.object("topology"));
        },
        [](const Settings& settings) { return to_json(settings.topology); }, "Topology",
        "who gossips with whom and the mixing weights: ring, torus, complete, star, expander or edge_list");
    table.flag("evaluate_workers", &Settings::evaluate_workers, "Evaluate workers",
               "also evaluate every worker's own model at each evaluation");
}

const FieldTable<DecentralizedSettings>& decentralized_fields();

// The shared settings from parameters normalized by decentralized_fields (or a table that declares them).
DecentralizedSettings decentralized_settings_from_json(const nlohmann::json& parameters);

}  // namespace tb
