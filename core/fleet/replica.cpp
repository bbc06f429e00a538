#include "core/fleet/replica.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/backend/memory_category.h"
#include "core/errors.h"
#include "core/fleet/replica_memory.h"

namespace tb {

namespace {

// "sparse_mlp 782585-128-205443, 26,296,704 parameters": what an out-of-memory message needs to say
// about the model for the user to see what to shrink.
std::string model_size_text(const Model& model) {
    const nlohmann::json description = model.describe();
    std::string text = description.value("kind", std::string("model"));
    if (description.contains("input_features") && description.contains("outputs")) {
        text += " " + std::to_string(description["input_features"].get<std::int64_t>());
        for (const auto& width : description.value("hidden", nlohmann::json::array())) {
            text += "-" + std::to_string(width.get<std::int64_t>());
        }
        text += "-" + std::to_string(description["outputs"].get<std::int64_t>());
    }
    return text + ", " + std::to_string(model.layout().parameter_count()) + " parameters";
}

std::string mebibytes_text(std::int64_t bytes) {
    return std::to_string((bytes + (1 << 19)) >> 20) + " MiB";
}

}  // namespace

Replica::Replica(Backend& backend, std::unique_ptr<Model> model, const std::vector<float>& initial_parameters,
                 const OptimizerConfig& optimizer)
    : backend_(backend), model_(std::move(model)), stats_every_steps_(optimizer.stats_every_steps) {
    try {
        {
            const MemoryCategoryScope category(MemoryCategory::parameters);
            parameters_ = ParameterArena(backend, model_->layout(), "model parameters");
        }
        {
            const MemoryCategoryScope category(MemoryCategory::gradients);
            gradients_ = Gradients(backend, model_->layout());
        }
        const MemoryCategoryScope category(MemoryCategory::optimizer_state);
        optimizer_ = create_optimizer(optimizer, backend, model_->layout());
    } catch (const DeviceError& error) {
        throw DeviceError(std::string(error.what()) + "; while placing a replica of the model (" +
                          model_size_text(*model_) + ") with its gradients and " + optimizer_kind_names().name(optimizer.kind) +
                          " state on the device");
    }
    parameters_.upload(initial_parameters);
}

double Replica::train_step(const HostBatch& batch, float learning_rate) {
    const double loss = compute_gradients(batch, 1.0f / static_cast<float>(std::max<std::int64_t>(batch.size(), 1)));
    apply_update(learning_rate);
    return loss;
}

void Replica::rethrow_with_step(const DeviceError& error, std::int64_t batch_rows) const {
    // Activations grow with the batch: say which batch, on which model, next to what the replica
    // already holds, so the user can tell whether to shrink the batch or the model.
    throw DeviceError(std::string(error.what()) + "; while training on a batch of " + std::to_string(batch_rows) +
                      " samples with the model " + model_size_text(*model_) +
                      " (parameters, gradients and optimizer state: " + mebibytes_text(memory_bytes()) + ")");
}

double Replica::compute_gradients(const HostBatch& batch, float grad_scale) {
    try {
        return forward_and_backward(batch, grad_scale);
    } catch (const DeviceError& error) {
        rethrow_with_step(error, batch.size());
    }
}

void Replica::upload_batch(const HostBatch& batch) {
    try {
        const MemoryCategoryScope category(MemoryCategory::activations);
        batch_.upload(backend_, batch);
    } catch (const DeviceError& error) {
        rethrow_with_step(error, batch.size());
    }
}

double Replica::compute_gradients_on_uploaded_batch(float grad_scale) {
    try {
        return forward_and_backward_on_device(grad_scale);
    } catch (const DeviceError& error) {
        rethrow_with_step(error, batch_.size);
    }
}

double Replica::forward_and_backward(const HostBatch& batch, float grad_scale) {
    // The batch on the device, the layers' outputs and their gradients; row-sparse gradient rows grow
    // here too, but they are the gradients' and keep that category. A graph batch's features and
    // adjacency are counted as such (DeviceBatch::upload).
    const MemoryCategoryScope category(MemoryCategory::activations);
    batch_.upload(backend_, batch);
    return forward_and_backward_on_device(grad_scale);
}

double Replica::forward_and_backward_on_device(float grad_scale) {
    const MemoryCategoryScope category(MemoryCategory::activations);
    const double loss = model_->forward_backward(backend_, parameters_, batch_, grad_scale, gradients_);
    backend_.synchronize();
    return loss;
}

void Replica::apply_update(float learning_rate) {
    optimizer_->step(parameters_, gradients_, learning_rate);
    backend_.synchronize();
    ++optimizer_steps_;
    if (stats_every_steps_ > 0 && optimizer_steps_ % stats_every_steps_ == 0) {
        if (const std::vector<LayerAdaptation>* adaptation = optimizer_->last_layer_adaptation()) {
            pending_adaptation_ = *adaptation;
        }
    }
}

std::optional<std::vector<LayerAdaptation>> Replica::take_layer_adaptation() {
    return std::exchange(pending_adaptation_, std::nullopt);
}

std::int64_t Replica::memory_bytes() const { return replica_memory_bytes(model_->layout(), *optimizer_); }

}  // namespace tb
