#include "core/methods/decentralized/qg_dsgdm.h"

#include "core/methods/method_settings.h"

#include <stdexcept>

#include "core/errors.h"
#include "core/methods/decentralized/decentralized_fleet.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

struct QgDsgdmSettings : DecentralizedSettings {
    double mu = 0.9;
};

const FieldTable<QgDsgdmSettings>& qg_dsgdm_fields() {
    static const FieldTable<QgDsgdmSettings> table = [] {
        FieldTable<QgDsgdmSettings> t;
        declare_decentralized_fields(t);
        t.number("mu", &QgDsgdmSettings::mu, "Quasi-global momentum", SettingRange::between(0, 0.999999),
                 "decay of the buffer that tracks the model's displacement over gossip rounds");
        return t;
    }();
    return table;
}

}  // namespace

namespace {

// The SGD optimizer's momentum buffer, which the local step reads as m_hat (null without momentum).
ParameterArena* velocity_of(Worker& worker) {
    for (const OptimizerStateArena& state : worker.replica->optimizer().state_arenas()) {
        if (state.name == "velocity") return state.arena;
    }
    return nullptr;
}

}  // namespace

QgDsgdm::QgDsgdm(const nlohmann::json& parameters)
    : settings_(decentralized_settings_from_json(parameters)), mu_(parameters.at("mu").get<double>()) {}

nlohmann::json QgDsgdm::normalize(ConfigReader& reader) { return normalize_settings(qg_dsgdm_fields(), reader); }

SettingsForm QgDsgdm::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(qg_dsgdm_fields(), parameters);
}

void QgDsgdm::update_quasi_global_momentum(std::vector<float>& momentum, const std::vector<float>& before,
                                           const std::vector<float>& after, double learning_rate, double mu) {
    if (momentum.size() != before.size() || after.size() != before.size()) {
        throw std::invalid_argument("quasi-global momentum: buffer and models differ in size");
    }
    for (std::size_t k = 0; k < momentum.size(); ++k) {
        const double displacement = (static_cast<double>(before[k]) - static_cast<double>(after[k])) / learning_rate;
        momentum[k] = static_cast<float>(mu * momentum[k] + (1.0 - mu) * displacement);
    }
}

void QgDsgdm::check_with_other_sections(const RunConfig& config) {
    if (config.optimizer.kind != OptimizerKind::sgd) {
        throw ConfigError("optimizer.kind '" + optimizer_kind_names().name(config.optimizer.kind) +
                          "' cannot be used by method qg_dsgdm, whose local step is SGD with the quasi-global "
                          "momentum buffer: set optimizer.kind to sgd");
    }
}

void QgDsgdm::train(TrainingSession& session) {
    const OptimizerConfig& optimizer = session.config().optimizer;
    DecentralizedFleet fleet(session, settings_);
    if (optimizer.momentum == 0) {
        session.log(LogLevel::warning, "optimizer.momentum is 0: the local step never reads the quasi-global "
                                       "momentum buffer, so qg_dsgdm is dsgd");
    }
    const auto n = static_cast<std::size_t>(fleet.size());
    std::vector<std::vector<float>> models = fleet.download_parameters();
    // One buffer per worker of this process (a distributed run's other workers have none here).
    std::vector<std::vector<float>> quasi_global(n);
    for (std::size_t w = 0; w < n; ++w) quasi_global[w].assign(models[w].size(), 0.0f);

    fleet.evaluate();
    while (!session.should_stop()) {
        for (std::size_t w = 0; w < n; ++w) {
            if (!fleet.worker(static_cast<int>(w)).local()) continue;
            if (ParameterArena* velocity = velocity_of(fleet.worker(static_cast<int>(w)))) velocity->upload(quasi_global[w]);
        }
        const float rate = fleet.local_steps(StepKind::update);
        std::vector<std::vector<float>> mixed = fleet.gossip(fleet.download_parameters());
        fleet.upload_parameters(mixed);
        // A zero rate (the very start of a warm-up from 0) moves nothing and says nothing about direction.
        if (rate > 0) {
            for (std::size_t w = 0; w < n; ++w) update_quasi_global_momentum(quasi_global[w], models[w], mixed[w], rate, mu_);
        }
        models = std::move(mixed);
        fleet.evaluate_if_due();
    }
    fleet.evaluate_final();
}

}  // namespace tb
