#include "core/methods/data_parallel/single_device.h"

#include "core/methods/method_settings.h"

#include "core/data/shuffled_batcher.h"
#include "core/fleet/executor.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

struct SingleDeviceSettings {
    std::int64_t batch_size = 256;
};

const FieldTable<SingleDeviceSettings>& single_device_fields() {
    static const FieldTable<SingleDeviceSettings> table = [] {
        FieldTable<SingleDeviceSettings> t;
        t.integer("batch_size", &SingleDeviceSettings::batch_size, "Batch size", SettingRange::between(1, 1 << 20),
                  "rows per step");
        return t;
    }();
    return table;
}

}  // namespace

SingleDevice::SingleDevice(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()) {}

nlohmann::json SingleDevice::normalize(ConfigReader& reader) { return normalize_settings(single_device_fields(), reader); }

SettingsForm SingleDevice::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(single_device_fields(), parameters);
}

void SingleDevice::train(TrainingSession& session) {
    if (session.config().fleet.devices.size() > 1) {
        session.log(LogLevel::warning, "single_device trains on the first device only (" +
                                           session.config().fleet.devices.front().name +
                                           "); the other devices of the fleet stay idle");
    }
    std::unique_ptr<Executor> executor = create_executor(session, 1);
    Worker& worker = executor->worker(0);
    ShuffledBatcher batcher(session.data().train.num_samples(), session.config().seed);
    session.log_learning_rate(batch_size_, "the batch");
    session.evaluate(*worker.backend, worker.replica->model(), worker.replica->parameters());

    while (!session.should_stop()) {
        const std::span<const std::int64_t> rows = batcher.next(batch_size_);
        executor->submit(StepOrder{0, {rows.begin(), rows.end()}, StepKind::update,
                                   static_cast<float>(session.learning_rate(batch_size_)), 0.0f});
        executor->next_completion();
        if (session.evaluation_due()) session.evaluate(*worker.backend, worker.replica->model(), worker.replica->parameters());
    }
    session.evaluate_final(*worker.backend, worker.replica->model(), worker.replica->parameters());
}

}  // namespace tb
