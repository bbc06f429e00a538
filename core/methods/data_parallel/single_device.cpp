#include "core/methods/data_parallel/single_device.h"

#include "core/data/shuffled_batcher.h"
#include "core/fleet/executor.h"
#include "core/session/training_session.h"

namespace tb {

SingleDevice::SingleDevice(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()) {}

nlohmann::json SingleDevice::normalize(ConfigReader& reader) {
    const std::int64_t batch_size = reader.get_integer("batch_size", 256);
    reader.require_range("batch_size", static_cast<double>(batch_size), 1, 1 << 20);
    reader.finish();
    return {{"batch_size", batch_size}};
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
