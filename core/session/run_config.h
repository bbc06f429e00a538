#pragma once
// The run config as typed sections: one JSON document, the same in the GUI, the CLI, presets and the run
// store. The sections are declared beside what they configure (data, model, optimizer, fleet); this
// struct gathers them with the stop criteria and the evaluation schedule every run has. Parsing, which
// needs the method registry at the top of the engine, is core/run/run_config_parser.h. to_json gives the
// full document back, defaults included: that is what runs are stored with.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/dataset_config.h"
#include "core/model/model_config.h"
#include "core/optim/optimizer_config.h"
#include "core/session/fleet_config.h"

namespace tb {


struct TargetConfig {
    std::string metric;
    double value = 0;
};

struct StopConfig {
    double max_time_s = 300;  // run clock (simulated or wall, as fleet.clock says)
    double max_wall_s = 0;    // wall clock since training started, whatever fleet.clock says (0: no limit)
    double max_epochs = 10;
    std::optional<TargetConfig> target;  // stop once reached
    bool stop_at_target = true;
};

struct EvalConfig {
    double every_s = 2.0;     // run clock between evaluations
    double every_epochs = 0;  // 0: by time only
    std::vector<std::string> metrics;  // defaults by task: p@1, p@3, p@5, loss / accuracy, loss
    std::int64_t batch_size = 1024;
    std::int64_t max_samples = 0;  // 0: the whole test set
};

struct MethodConfig {
    std::string kind = "single_device";
    nlohmann::json parameters;  // the method's own knobs, defaults filled in by its registry entry
};

struct RunConfig {
    std::string name = "experiment";
    MethodConfig method;
    DatasetConfig dataset;
    // Only for methods that train a network; a kernel machine's config has neither section.
    bool has_model = true;
    ModelConfig model;
    OptimizerConfig optimizer;
    FleetConfig fleet;
    StopConfig stop;
    EvalConfig eval;
    std::uint64_t seed = 7;
    // Folder of the config file, for relative data paths (not part of the document).
    std::filesystem::path config_folder;
};

nlohmann::json to_json(const RunConfig& config);

}  // namespace tb
