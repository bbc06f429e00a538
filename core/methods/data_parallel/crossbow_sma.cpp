#include "core/methods/data_parallel/crossbow_sma.h"

#include "core/methods/method_settings.h"

#include "core/fleet/batch_dispatch.h"
#include "core/fleet/model_merge.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

struct CrossbowSmaSettings {
    std::int64_t batch_size = 64;
    std::int64_t sync_every = 1;
    double alpha = 0.0;
    double momentum = 0.9;
};

const FieldTable<CrossbowSmaSettings>& crossbow_sma_fields() {
    static const FieldTable<CrossbowSmaSettings> table = [] {
        FieldTable<CrossbowSmaSettings> t;
        t.integer("batch_size", &CrossbowSmaSettings::batch_size, "Batch size", SettingRange::between(1, 1 << 20),
                  "rows per learner step");
        t.integer("sync_every", &CrossbowSmaSettings::sync_every, "Sync every", SettingRange::between(1, 1e9),
                  "learner steps between synchronisations (1 in the paper)");
        t.number("alpha", &CrossbowSmaSettings::alpha, "Alpha", SettingRange::between(0, 1),
                 "pull of each learner towards the central model (0: 1/n)");
        t.number("momentum", &CrossbowSmaSettings::momentum, "Central momentum", SettingRange::between(0, 0.999),
                 "momentum of the central average model");
        return t;
    }();
    return table;
}

}  // namespace

CrossbowSma::CrossbowSma(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()),
      sync_every_(parameters.at("sync_every").get<std::int64_t>()),
      alpha_(parameters.at("alpha").get<double>()),
      momentum_(parameters.at("momentum").get<double>()) {}

nlohmann::json CrossbowSma::normalize(ConfigReader& reader) { return normalize_settings(crossbow_sma_fields(), reader); }

SettingsForm CrossbowSma::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(crossbow_sma_fields(), parameters);
}

void CrossbowSma::train(TrainingSession& session) {
    std::unique_ptr<Executor> executor = create_executor(session);
    std::vector<Worker>& workers = executor->workers();
    const std::size_t n = workers.size();
    Worker& evaluated = executor->first_local_worker();
    ShuffledBatcher batcher(session.data().train.num_samples(), session.config().seed);
    const double alpha = alpha_ > 0 ? alpha_ : 1.0 / static_cast<double>(n);
    session.log_learning_rate(batch_size_, "each learner's batch");
    const std::vector<double> equal(n, 1.0 / static_cast<double>(n));

    std::vector<float> central = download_parameters(evaluated);
    std::vector<float> central_before = central;
    // Each learner's weights its gradients start from, for the learners of this process.
    std::vector<std::vector<float>> at_last_sync(n);
    for (std::size_t j = 0; j < n; ++j) {
        if (workers[j].local()) at_last_sync[j] = central;
    }
    ParameterArena central_arena(*evaluated.backend, evaluated.replica->parameters().layout(), "central average model");
    const auto evaluate_central = [&] {
        central_arena.upload(central);
        session.evaluate(*evaluated.backend, evaluated.replica->model(), central_arena);
    };
    const double sync_bytes = parameter_bytes(evaluated);
    std::int64_t merge_index = 0;

    evaluate_central();
    while (!session.should_stop()) {
        run_equal_local_steps(session, *executor, batcher, batch_size_, sync_every_);
        std::vector<double> correction_sum(central.size(), 0.0);
        for (std::size_t j = 0; j < n; ++j) {
            if (!workers[j].local()) continue;
            std::vector<float> weights = download_parameters(workers[j]);
            for (std::size_t k = 0; k < weights.size(); ++k) {
                const double correction = alpha * (static_cast<double>(at_last_sync[j][k]) - central[k]);
                weights[k] = static_cast<float>(weights[k] - correction);
                correction_sum[k] += correction;
            }
            workers[j].replica->parameters().upload(weights);
            at_last_sync[j] = std::move(weights);
        }
        // Every rank's learners' corrections, so that every rank moves the central model alike.
        executor->sum_over_ranks(correction_sum);
        for (std::size_t k = 0; k < central.size(); ++k) {
            const double next = central[k] + correction_sum[k] + momentum_ * (central[k] - central_before[k]);
            central_before[k] = central[k];
            central[k] = static_cast<float>(next);
        }
        executor->communicate(sync_bytes);
        session.publish(Merge{merge_index++, equal, {}});
        if (session.evaluation_due()) evaluate_central();
    }
    central_arena.upload(central);
    session.evaluate_final(*evaluated.backend, evaluated.replica->model(), central_arena);
}

}  // namespace tb
