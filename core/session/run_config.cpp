#include "core/session/run_config.h"

namespace tb {

nlohmann::json to_json(const RunConfig& config) {
    nlohmann::json method = config.method.parameters;
    method["kind"] = config.method.kind;
    nlohmann::json stop = {{"max_time_s", config.stop.max_time_s},
                           {"max_epochs", config.stop.max_epochs},
                           {"stop_at_target", config.stop.stop_at_target}};
    if (config.stop.target) stop["target"] = {{"metric", config.stop.target->metric}, {"value", config.stop.target->value}};
    return {{"name", config.name},
            {"method", method},
            {"dataset", to_json(config.dataset)},
            {"model", to_json(config.model)},
            {"optimizer", to_json(config.optimizer)},
            {"fleet", to_json(config.fleet)},
            {"stop", stop},
            {"eval",
             {{"every_s", config.eval.every_s},
              {"every_epochs", config.eval.every_epochs},
              {"metrics", config.eval.metrics},
              {"batch_size", config.eval.batch_size},
              {"max_samples", config.eval.max_samples}}},
            {"seed", config.seed}};
}

}  // namespace tb
