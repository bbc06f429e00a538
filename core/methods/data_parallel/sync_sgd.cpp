#include "core/methods/data_parallel/sync_sgd.h"

#include "core/methods/method_settings.h"

#include <algorithm>

#include "core/data/shuffled_batcher.h"
#include "core/fleet/executor.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/gradient_all_reduce.h"
#include "core/fleet/gradient_exchange.h"
#include "core/errors.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

struct SyncSgdSettings {
    std::int64_t batch_size = 1024;
    GradientExchange gradient_exchange = GradientExchange::dense_all_reduce;
};

const FieldTable<SyncSgdSettings>& sync_sgd_fields() {
    static const FieldTable<SyncSgdSettings> table = [] {
        FieldTable<SyncSgdSettings> t;
        t.integer("batch_size", &SyncSgdSettings::batch_size, "Global batch", SettingRange::between(1, 1 << 24),
                  "rows per step over the whole fleet, split in equal shards");
        t.choice("gradient_exchange", &SyncSgdSettings::gradient_exchange, gradient_exchange_names(),
                 "Gradient exchange",
                 "what the simulated clock charges per step: dense_all_reduce (the sparse layer's whole gradient, "
                 "as a dense all-reduce moves it), allgather_rows (each worker's touched rows gathered, Horovod's "
                 "default for sparse gradients) or union_rows (the union of touched rows only, an optimistic bound)");
        return t;
    }();
    return table;
}

}  // namespace

SyncSgd::SyncSgd(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()),
      gradient_exchange_(gradient_exchange_names().value(parameters.at("gradient_exchange").get<std::string>())) {}

nlohmann::json SyncSgd::normalize(ConfigReader& reader) { return normalize_settings(sync_sgd_fields(), reader); }

SettingsForm SyncSgd::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(sync_sgd_fields(), parameters);
}

void SyncSgd::check_with_other_sections(const RunConfig& config) {
    const std::int64_t batch_size = config.method.parameters.at("batch_size").get<std::int64_t>();
    const auto devices = static_cast<std::int64_t>(config.fleet.devices.size());
    if (batch_size < devices) {
        throw ConfigError("method.batch_size " + std::to_string(batch_size) + " is split equally over the " +
                          std::to_string(devices) + " fleet.devices, which leaves " +
                          std::to_string(devices - batch_size) +
                          " of them without a row every step; use a batch of at least one row per device");
    }
}

void SyncSgd::train(TrainingSession& session) {
    std::unique_ptr<Executor> executor = create_executor(session);
    std::vector<Worker>& workers = executor->workers();
    const auto n = static_cast<std::int64_t>(workers.size());
    Worker& evaluated = executor->first_local_worker();
    ShuffledBatcher batcher(session.data().train.num_samples(), session.config().seed);
    GradientAllReduce all_reduce(workers, executor->combine_plan());
    session.log(LogLevel::info, "gradient all-reduce: " + all_reduce.plan().reason);
    session.log_learning_rate(batch_size_, "the global batch", "(split over the " + std::to_string(n) + " devices)");

    session.evaluate(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
    while (!session.should_stop()) {
        const std::span<const std::int64_t> rows = batcher.next(batch_size_);
        const auto global = static_cast<std::int64_t>(rows.size());
        // Equal shards, the first (global mod n) one row larger; a short last batch may leave some
        // workers without rows for this step.
        std::int64_t start = 0;
        std::vector<char> contributes(static_cast<std::size_t>(n), 0);
        for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t shard = global / n + (i < global % n ? 1 : 0);
            if (shard == 0) continue;
            contributes[static_cast<std::size_t>(i)] = 1;
            executor->submit(StepOrder{static_cast<int>(i),
                                       {rows.begin() + start, rows.begin() + start + shard},
                                       StepKind::gradient,
                                       0.0f,
                                       1.0f / static_cast<float>(global)});
            start += shard;
        }
        executor->drain();
        // Measured before the all-reduce, which replaces every worker's rows with the union.
        const StepGradientSizes sizes = measure_step_gradients(workers, contributes);
        const double union_bytes = all_reduce.run(contributes);
        switch (gradient_exchange_) {
            case GradientExchange::dense_all_reduce:
                executor->communicate(sizes.dense_bytes + sizes.sparse_table_bytes);
                break;
            case GradientExchange::allgather_rows:
                executor->communicate(sizes.dense_bytes);
                executor->communicate(sizes.touched_row_bytes, Collective::all_gather);
                break;
            case GradientExchange::union_rows: executor->communicate(union_bytes); break;
        }
        // The rate belongs to the global batch: with optimizer.lr_reference_batch it scales with it.
        const auto rate = static_cast<float>(session.learning_rate(global));
        executor->apply_updates(rate);
        if (session.evaluation_due()) {
            session.evaluate(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
        }
    }
    session.evaluate_final(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
}

}  // namespace tb
