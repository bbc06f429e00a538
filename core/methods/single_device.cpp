#include "core/methods/single_device.h"

#include <chrono>
#include <thread>

#include "core/data/batch.h"
#include "core/data/shuffled_batcher.h"
#include "core/methods/replica.h"
#include "core/run/training_session.h"

namespace tb {

namespace {
constexpr double device_sample_interval_s = 0.5;
}

SingleDevice::SingleDevice(const nlohmann::json& parameters)
    : batch_size_(parameters.at("batch_size").get<std::int64_t>()) {}

nlohmann::json SingleDevice::normalize(ConfigReader& reader) {
    const std::int64_t batch_size = reader.get_integer("batch_size", 256);
    reader.require_range("batch_size", static_cast<double>(batch_size), 1, 1 << 20);
    reader.finish();
    return {{"batch_size", batch_size}};
}

void SingleDevice::run(TrainingSession& session) {
    const DeviceSpec& device = session.config().fleet.devices.front();
    if (session.config().fleet.devices.size() > 1) {
        session.log(LogLevel::warning, "single_device trains on the first device only (" + device.name +
                                           "); the other devices of the fleet stay idle");
    }
    std::unique_ptr<Backend> backend = session.create_backend(device);
    std::unique_ptr<Model> model = session.create_model();
    const std::vector<float> initial = session.initial_parameters(*model);
    Replica replica(*backend, std::move(model), initial, session.config().optimizer);

    const Dataset& train = session.data().train;
    ShuffledBatcher batcher(train.num_samples(), session.config().seed);
    std::int64_t updates = 0;
    std::int64_t samples_since_sample = 0;
    double busy_since_sample = 0;
    double last_sample_clock = session.run_clock();
    session.evaluate(*backend, replica.model(), replica.parameters());

    while (!session.should_stop()) {
        const auto step_start = std::chrono::steady_clock::now();
        const std::span<const std::int64_t> rows = batcher.next(batch_size_);
        const double loss = replica.train_step(make_batch(train, rows), static_cast<float>(session.learning_rate()));
        const double compute_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
        if (device.speed < 1.0) {
            // A slower device is emulated by idling in proportion to the measured work.
            std::this_thread::sleep_for(std::chrono::duration<double>(compute_s * (1.0 / device.speed - 1.0)));
        }
        ++updates;
        samples_since_sample += static_cast<std::int64_t>(rows.size());
        busy_since_sample += compute_s;
        session.add_training_progress(static_cast<std::int64_t>(rows.size()), loss);

        const double now = session.run_clock();
        if (now - last_sample_clock >= device_sample_interval_s) {
            const double interval = now - last_sample_clock;
            session.publish(DeviceSample{0, batch_size_, static_cast<double>(samples_since_sample) / interval, updates,
                                      std::min(1.0, busy_since_sample / interval), replica.memory_bytes()});
            samples_since_sample = 0;
            busy_since_sample = 0;
            last_sample_clock = now;
        }
        if (session.evaluation_due()) session.evaluate(*backend, replica.model(), replica.parameters());
    }
    session.evaluate_final(*backend, replica.model(), replica.parameters());
}

}  // namespace tb
