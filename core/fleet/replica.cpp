#include "core/methods/replica.h"

#include "core/model/replica_memory.h"

namespace tb {

Replica::Replica(Backend& backend, std::unique_ptr<Model> model, const std::vector<float>& initial_parameters,
                 const OptimizerConfig& optimizer)
    : backend_(backend),
      model_(std::move(model)),
      parameters_(backend, model_->layout(), "model parameters"),
      gradients_(backend, model_->layout()),
      optimizer_(create_optimizer(optimizer, backend, model_->layout())) {
    parameters_.upload(initial_parameters);
}

double Replica::train_step(const HostBatch& batch, float learning_rate) {
    batch_.upload(backend_, batch);
    const ConstMatrixView logits = model_->forward(backend_, parameters_, batch_, /*training=*/true);
    grad_logits_.resize(backend_, logits.rows, logits.cols, "logit gradients");
    const double loss = loss_and_gradient(backend_, model_->loss(), logits, batch_.labels.view(), grad_logits_.view(),
                                          1.0f / static_cast<float>(logits.rows));
    model_->backward(backend_, parameters_, batch_, grad_logits_.view(), gradients_);
    optimizer_->step(parameters_, gradients_, learning_rate);
    backend_.synchronize();
    return loss;
}

std::int64_t Replica::memory_bytes() const { return replica_memory_bytes(model_->layout(), *optimizer_); }

}  // namespace tb
