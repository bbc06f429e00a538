#include "core/session/run_config.h"

#include "core/session/run_config_sections.h"

namespace tb {

nlohmann::json to_json(const RunConfig& config) {
    nlohmann::json method = config.method.parameters;
    method["kind"] = config.method.kind;
    nlohmann::json document = {{"name", config.name},
                               {"method", method},
                               {"dataset", to_json(config.dataset)},
                               {"fleet", to_json(config.fleet)},
                               {"stop", to_json(config.stop)},
                               {"eval", to_json(config.eval)},
                               {"seed", config.seed}};
    if (config.has_model) {
        document["model"] = to_json(config.model);
        document["optimizer"] = to_json(config.optimizer);
    }
    return document;
}

}  // namespace tb
