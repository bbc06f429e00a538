#include "core/methods/single_device.h"

#include <chrono>
#include <thread>

#include "core/data/batch.h"
#include "core/data/shuffled_batcher.h"
#include "core/model/loss.h"
#include "core/model/replica_memory.h"
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
        session.log(LogLevel::warning, "single_device trains on the first device only (" + device.name + "); the "
                                       "other devices of the fleet stay idle");
    }
    std::unique_ptr<Backend> backend = session.create_backend(device);
    std::unique_ptr<Model> model = session.create_model();
    ParameterArena parameters(*backend, model->layout(), "model parameters");
    parameters.upload(session.initial_parameters(*model));
    Gradients gradients(*backend, model->layout());
    std::unique_ptr<Optimizer> optimizer = session.create_optimizer(*backend, model->layout());

    const Dataset& train = session.data().train;
    ShuffledBatcher batcher(train.num_samples(), session.config().seed);
    DeviceBatch batch;
    DeviceMatrix grad_logits;
    const std::int64_t memory_bytes = replica_memory_bytes(model->layout(), *optimizer);

    std::int64_t updates = 0;
    std::int64_t samples_since_sample = 0;
    double busy_since_sample = 0;
    double last_sample_clock = session.run_clock();
    session.evaluate(*backend, *model, parameters);

    while (!session.should_stop()) {
        const auto step_start = std::chrono::steady_clock::now();
        const std::span<const std::int64_t> rows = batcher.next(batch_size_);
        batch.upload(*backend, make_batch(train, rows));
        const ConstMatrixView logits = model->forward(*backend, parameters, batch, /*training=*/true);
        grad_logits.resize(*backend, logits.rows, logits.cols, "logit gradients");
        const double loss = loss_and_gradient(*backend, model->loss(), logits, batch.labels.view(), grad_logits.view(),
                                              1.0f / static_cast<float>(logits.rows));
        model->backward(*backend, parameters, batch, grad_logits.view(), gradients);
        optimizer->step(parameters, gradients, static_cast<float>(session.learning_rate()));
        backend->synchronize();
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
            session.emit(DeviceSample{0, batch_size_, static_cast<double>(samples_since_sample) / interval, updates,
                                      std::min(1.0, busy_since_sample / interval), memory_bytes});
            samples_since_sample = 0;
            busy_since_sample = 0;
            last_sample_clock = now;
        }
        if (session.evaluation_due()) session.evaluate(*backend, *model, parameters);
    }
    session.evaluate_final(*backend, *model, parameters);
}

}  // namespace tb
