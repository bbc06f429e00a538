#include "core/fleet/replica.h"

#include <algorithm>
#include <utility>

#include "core/model/replica_memory.h"

namespace tb {

Replica::Replica(Backend& backend, std::unique_ptr<Model> model, const std::vector<float>& initial_parameters,
                 const OptimizerConfig& optimizer)
    : backend_(backend),
      model_(std::move(model)),
      parameters_(backend, model_->layout(), "model parameters"),
      gradients_(backend, model_->layout()),
      optimizer_(create_optimizer(optimizer, backend, model_->layout())),
      stats_every_steps_(optimizer.stats_every_steps) {
    parameters_.upload(initial_parameters);
}

double Replica::train_step(const HostBatch& batch, float learning_rate) {
    const double loss = compute_gradients(batch, 1.0f / static_cast<float>(std::max<std::int64_t>(batch.size(), 1)));
    apply_update(learning_rate);
    return loss;
}

double Replica::compute_gradients(const HostBatch& batch, float grad_scale) {
    batch_.upload(backend_, batch);
    // The gradient is written over the logits: on a 205,443-label output layer a separate buffer would
    // add 822 KB per sample to every replica and a cold stream of that size to every step.
    const MatrixView logits = model_->forward(backend_, parameters_, batch_, /*training=*/true);
    const double loss = loss_and_gradient(backend_, model_->loss(), logits, batch_.labels.view(), logits, grad_scale);
    model_->backward(backend_, parameters_, batch_, logits, gradients_);
    backend_.synchronize();
    return loss;
}

void Replica::apply_update(float learning_rate) {
    optimizer_->step(parameters_, gradients_, learning_rate);
    backend_.synchronize();
    ++optimizer_steps_;
    if (stats_every_steps_ > 0 && optimizer_steps_ % stats_every_steps_ == 0) {
        if (const std::vector<LayerAdaptation>* adaptation = optimizer_->last_layer_adaptation()) {
            pending_stats_ = OptimizerStats{0, optimizer_steps_, *adaptation};
        }
    }
}

std::optional<OptimizerStats> Replica::take_optimizer_stats(int worker) {
    std::optional<OptimizerStats> stats = std::exchange(pending_stats_, std::nullopt);
    if (stats) stats->worker = worker;
    return stats;
}

std::int64_t Replica::memory_bytes() const { return replica_memory_bytes(model_->layout(), *optimizer_); }

}  // namespace tb
