#include "core/optim/optimizer_config.h"

#include <algorithm>

#include "core/optim/sgd_optimizer.h"

namespace tb {

OptimizerConfig parse_optimizer_config(ConfigReader reader) {
    OptimizerConfig config;
    config.kind = reader.get_choice("kind", config.kind, {"sgd"});
    config.lr = reader.get_number("lr", config.lr);
    reader.require_positive("lr", config.lr);
    config.momentum = reader.get_number("momentum", config.momentum);
    reader.require_range("momentum", config.momentum, 0.0, 0.9999);
    config.nesterov = reader.get_bool("nesterov", config.nesterov);
    if (config.nesterov && config.momentum == 0.0) reader.fail("nesterov", "needs a momentum above 0");
    config.weight_decay = reader.get_number("weight_decay", config.weight_decay);
    reader.require_non_negative("weight_decay", config.weight_decay);
    config.warmup_epochs = reader.get_number("warmup_epochs", config.warmup_epochs);
    reader.require_non_negative("warmup_epochs", config.warmup_epochs);
    reader.finish();
    return config;
}

nlohmann::json to_json(const OptimizerConfig& config) {
    return {{"kind", config.kind},       {"lr", config.lr},
            {"momentum", config.momentum}, {"nesterov", config.nesterov},
            {"weight_decay", config.weight_decay}, {"warmup_epochs", config.warmup_epochs}};
}

std::unique_ptr<Optimizer> create_optimizer(const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) {
    SgdConfig sgd;
    sgd.learning_rate = static_cast<float>(config.lr);
    sgd.momentum = static_cast<float>(config.momentum);
    sgd.nesterov = config.nesterov;
    sgd.weight_decay = static_cast<float>(config.weight_decay);
    return std::make_unique<SgdOptimizer>(backend, layout, sgd);
}

double scheduled_learning_rate(const OptimizerConfig& config, double epoch) {
    if (config.warmup_epochs > 0 && epoch < config.warmup_epochs) {
        // Start at a tenth rather than at zero, so the first steps already move the model.
        return config.lr * std::clamp(0.1 + 0.9 * epoch / config.warmup_epochs, 0.1, 1.0);
    }
    return config.lr;
}

}  // namespace tb
