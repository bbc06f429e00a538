#include "core/methods/decentralized/dsgd.h"

#include "core/methods/method_settings.h"

#include "core/errors.h"
#include "core/methods/decentralized/decentralized_fleet.h"
#include "core/session/training_session.h"

namespace tb {

Dsgd::Dsgd(const nlohmann::json& parameters, bool local_momentum)
    : settings_(decentralized_settings_from_json(parameters)), local_momentum_(local_momentum) {}

nlohmann::json Dsgd::normalize(ConfigReader& reader) { return normalize_settings(decentralized_fields(), reader); }

SettingsForm Dsgd::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(decentralized_fields(), parameters);
}

void Dsgd::check_with_other_sections(const RunConfig& config, bool local_momentum) {
    const OptimizerConfig& optimizer = config.optimizer;
    const std::string kind = local_momentum ? "dsgdm" : "dsgd";
    if (optimizer.kind != OptimizerKind::sgd) {
        throw ConfigError("optimizer.kind '" + optimizer_kind_names().name(optimizer.kind) +
                          "' cannot be used by method " + kind + ", whose local step is SGD: set optimizer.kind to sgd");
    }
    if (!local_momentum && optimizer.momentum != 0) {
        throw ConfigError("optimizer.momentum must be 0 for method dsgd (plain local SGD steps); method dsgdm takes "
                          "local momentum steps");
    }
}

void Dsgd::train(TrainingSession& session) {
    const OptimizerConfig& optimizer = session.config().optimizer;
    DecentralizedFleet fleet(session, settings_);
    if (local_momentum_ && optimizer.momentum == 0) {
        session.log(LogLevel::warning, "optimizer.momentum is 0: dsgdm without momentum is dsgd");
    }
    fleet.evaluate();
    while (!session.should_stop()) {
        fleet.local_steps(StepKind::update);
        fleet.upload_parameters(fleet.gossip(fleet.download_parameters()));
        fleet.evaluate_if_due();
    }
    fleet.evaluate_final();
}

}  // namespace tb
