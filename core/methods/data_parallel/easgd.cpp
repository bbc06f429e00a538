#include "core/methods/data_parallel/easgd.h"

#include "core/methods/method_settings.h"

#include "core/fleet/batch_dispatch.h"
#include "core/fleet/model_merge.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

struct EasgdSettings {
    std::int64_t batch_size = 128;
    std::int64_t tau = 10;
    double beta = 0.9;
};

const FieldTable<EasgdSettings>& easgd_fields() {
    static const FieldTable<EasgdSettings> table = [] {
        FieldTable<EasgdSettings> t;
        t.integer("batch_size", &EasgdSettings::batch_size, "Batch size", SettingRange::between(1, 1 << 20),
                  "rows per worker step");
        t.integer("tau", &EasgdSettings::tau, "Tau", SettingRange::between(1, 1e9),
                  "worker steps between elastic updates");
        t.number("beta", &EasgdSettings::beta, "Beta", SettingRange::between(0, 1),
                 "moving rate of the elastic pull (alpha = beta / n)");
        return t;
    }();
    return table;
}

}  // namespace

Easgd::Easgd(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()),
      tau_(parameters.at("tau").get<std::int64_t>()),
      beta_(parameters.at("beta").get<double>()) {}

nlohmann::json Easgd::normalize(ConfigReader& reader) { return normalize_settings(easgd_fields(), reader); }

SettingsForm Easgd::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(easgd_fields(), parameters);
}

void Easgd::train(TrainingSession& session) {
    std::unique_ptr<Executor> executor = create_executor(session);
    std::vector<Worker>& workers = executor->workers();
    const std::size_t n = workers.size();
    Worker& evaluated = executor->first_local_worker();
    ShuffledBatcher batcher(session.data().train.num_samples(), session.config().seed);
    const double alpha = beta_ / static_cast<double>(n);
    session.log_learning_rate(batch_size_, "each worker's batch");
    const std::vector<double> equal(n, 1.0 / static_cast<double>(n));

    std::vector<float> center = download_parameters(evaluated);
    ParameterArena center_arena(*evaluated.backend, evaluated.replica->parameters().layout(), "EASGD center variable");
    const auto evaluate_center = [&] {
        center_arena.upload(center);
        session.evaluate(*evaluated.backend, evaluated.replica->model(), center_arena);
    };
    const double sync_bytes = parameter_bytes(evaluated);
    std::int64_t merge_index = 0;

    evaluate_center();
    while (!session.should_stop()) {
        run_equal_local_steps(session, *executor, batcher, batch_size_, tau_);
        std::vector<double> pull_sum(center.size(), 0.0);
        for (Worker& worker : workers) {
            if (!worker.local()) continue;
            std::vector<float> weights = download_parameters(worker);
            for (std::size_t k = 0; k < weights.size(); ++k) {
                const double pull = alpha * (static_cast<double>(weights[k]) - center[k]);
                weights[k] = static_cast<float>(weights[k] - pull);
                pull_sum[k] += pull;
            }
            worker.replica->parameters().upload(weights);
        }
        // Every rank's workers' pulls, so that every rank moves the center alike.
        executor->sum_over_ranks(pull_sum);
        for (std::size_t k = 0; k < center.size(); ++k) center[k] = static_cast<float>(center[k] + pull_sum[k]);
        executor->communicate(sync_bytes);
        session.publish(Merge{merge_index++, equal, {}});
        if (session.evaluation_due()) evaluate_center();
    }
    center_arena.upload(center);
    session.evaluate_final(*evaluated.backend, evaluated.replica->model(), center_arena);
}

}  // namespace tb
