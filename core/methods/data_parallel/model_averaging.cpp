#include "core/methods/data_parallel/model_averaging.h"

#include "core/methods/method_settings.h"

#include <algorithm>
#include <optional>

#include "core/fleet/batch_dispatch.h"
#include "core/fleet/model_merge.h"
#include "core/fleet/replica_merge.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

struct ModelAveragingSettings {
    std::int64_t batch_size = 256;
    std::int64_t mega_batch = 65536;
};

const FieldTable<ModelAveragingSettings>& model_averaging_fields() {
    static const FieldTable<ModelAveragingSettings> table = [] {
        FieldTable<ModelAveragingSettings> t;
        t.integer("batch_size", &ModelAveragingSettings::batch_size, "Batch size", SettingRange::between(1, 1 << 20),
                  "rows per local step on every device");
        t.integer("mega_batch", &ModelAveragingSettings::mega_batch, "Mega-batch", SettingRange::between(1, 1e12),
                  "rows the fleet trains on between two averages");
        return t;
    }();
    return table;
}

}  // namespace

ModelAveraging::ModelAveraging(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()),
      mega_batch_(parameters.at("mega_batch").get<std::int64_t>()) {}

nlohmann::json ModelAveraging::normalize(ConfigReader& reader) { return normalize_settings(model_averaging_fields(), reader); }

SettingsForm ModelAveraging::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(model_averaging_fields(), parameters);
}

void ModelAveraging::train(TrainingSession& session) {
    std::unique_ptr<Executor> executor = create_executor(session);
    std::vector<Worker>& workers = executor->workers();
    const auto n = static_cast<std::int64_t>(workers.size());
    Worker& evaluated = executor->first_local_worker();
    ShuffledBatcher batcher(session.data().train.num_samples(), session.config().seed);
    const std::int64_t steps_per_period = std::max<std::int64_t>(1, mega_batch_ / (n * batch_size_));
    const std::vector<double> equal(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n));
    const double merge_bytes = parameter_bytes(evaluated);
    std::int64_t merge_index = 0;
    ReplicaMerge replica_merge(workers, executor->combine_plan(), std::nullopt);
    session.log(LogLevel::info, "model merges: " + replica_merge.plan().reason);
    session.log_learning_rate(batch_size_, "each worker's batch");

    session.evaluate(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
    while (!session.should_stop()) {
        run_equal_local_steps(session, *executor, batcher, batch_size_, steps_per_period);
        replica_merge.merge(equal);
        merge_optimizer_states(workers, equal, session.config().optimizer.state_at_merge);
        executor->communicate(merge_bytes);
        session.publish(Merge{merge_index++, equal, {}});
        if (session.evaluation_due()) {
            session.evaluate(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
        }
    }
    session.evaluate_final(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
}

}  // namespace tb
