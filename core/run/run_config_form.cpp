#include "core/run/run_config_form.h"

#include "core/data/dataset_config.h"
#include "core/model/model_config.h"
#include "core/optim/optimizer_config.h"
#include "core/optim/optimizer_registry.h"
#include "core/run/method_registry.h"
#include "core/session/run_config_sections.h"

namespace tb {

std::vector<SectionForm> run_config_form(const RunConfig& config) {
    const MethodEntry& method = find_method(config.method.kind);
    const bool multi_label = dataset_is_multi_label(config.dataset);
    return {
        {"method", "Method", method_kind_descriptions(), method.settings_form(config.method.parameters)},
        {"dataset", "Data set", dataset_kind_descriptions(), dataset_settings_form(config.dataset)},
        {"model", "Model", model_kind_descriptions(), model_settings_form(config.model)},
        {"optimizer", "Optimizer", optimizer_kind_descriptions(), optimizer_settings_form(config.optimizer)},
        {"stop", "Stop", {}, stop_settings_form(config.stop)},
        {"eval", "Evaluation", {}, eval_settings_form(config.eval, multi_label)},
    };
}

}  // namespace tb
