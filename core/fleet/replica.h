#pragma once
// One model replica on one device: its parameters, gradients and optimizer state, and the training
// step every method is built from (upload the batch, forward, loss, backward, optimizer update).

#include <memory>
#include <optional>
#include <vector>

#include "core/data/batch.h"
#include "core/model/model.h"
#include "core/optim/layer_adaptation.h"
#include "core/optim/optimizer.h"
#include "core/optim/optimizer_config.h"
#include "core/session/events.h"

namespace tb {

class Replica {
public:
    Replica(Backend& backend, std::unique_ptr<Model> model, const std::vector<float>& initial_parameters,
            const OptimizerConfig& optimizer);

    // Trains on one batch with the given learning rate and returns the summed loss of its rows (the
    // update uses the mean). Waits for the device, so the caller can time the step.
    double train_step(const HostBatch& batch, float learning_rate);
    // The two halves of a step, for methods that combine gradients across replicas before updating
    // (sync_sgd): the gradient of grad_scale * (summed loss of the batch's rows), then the update.
    double compute_gradients(const HostBatch& batch, float grad_scale);
    void apply_update(float learning_rate);
    // Full-batch training reads the same batch (a whole graph) every step: upload it once, then compute
    // gradients on what the device holds. A later compute_gradients(batch) replaces it.
    void upload_batch(const HostBatch& batch);
    double compute_gradients_on_uploaded_batch(float grad_scale);
    const DeviceBatch& uploaded_batch() const { return batch_; }

    Backend& backend() { return backend_; }
    Model& model() { return *model_; }
    ParameterArena& parameters() { return parameters_; }
    const ParameterArena& parameters() const { return parameters_; }
    Optimizer& optimizer() { return *optimizer_; }
    Gradients& gradients() { return gradients_; }
    // The per-segment trust ratios of a layer-wise optimizer (LARS, LAMB), once every
    // optimizer.stats_every_steps updates, for the caller to publish as traces; empty otherwise. Taken once.
    std::optional<std::vector<LayerAdaptation>> take_layer_adaptation();
    std::int64_t optimizer_steps() const { return optimizer_steps_; }
    std::int64_t memory_bytes() const;

private:
    double forward_and_backward(const HostBatch& batch, float grad_scale);
    double forward_and_backward_on_device(float grad_scale);
    // Adds what the model and the batch were to a DeviceError, so that the user sees what to shrink.
    [[noreturn]] void rethrow_with_step(const DeviceError& error, std::int64_t batch_rows) const;

    Backend& backend_;
    std::unique_ptr<Model> model_;
    ParameterArena parameters_;
    Gradients gradients_;
    std::unique_ptr<Optimizer> optimizer_;
    DeviceBatch batch_;
    std::int64_t optimizer_steps_ = 0;
    std::int64_t stats_every_steps_ = 0;
    std::optional<std::vector<LayerAdaptation>> pending_adaptation_;
};

}  // namespace tb
