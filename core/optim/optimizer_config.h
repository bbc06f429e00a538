#pragma once
// The `optimizer` section of a run config and the factory for optimizers.

#include <memory>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/optim/optimizer.h"

namespace tb {

struct OptimizerConfig {
    std::string kind = "sgd";
    double lr = 0.1;
    double momentum = 0.0;
    bool nesterov = false;
    double weight_decay = 0.0;
    // Linear warm-up of the learning rate over the first warmup_epochs of training data (0: none).
    double warmup_epochs = 0.0;
};

OptimizerConfig parse_optimizer_config(ConfigReader reader);
nlohmann::json to_json(const OptimizerConfig& config);

std::unique_ptr<Optimizer> create_optimizer(const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout);

// The learning rate at `epoch` (fractional) of training: lr, ramped linearly during warm-up.
double scheduled_learning_rate(const OptimizerConfig& config, double epoch);

}  // namespace tb
