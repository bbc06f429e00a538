#include "core/session/training_session.h"

#include <algorithm>
#include <cmath>

#include "core/config/config_reader.h"
#include "core/optim/optimizer_config.h"
#include "core/optim/optimizer_kinds.h"

namespace tb {

TrainingSession::TrainingSession(RunContext& context, const DataSplit& data)
    : context_(context),
      data_(data),
      evaluator_(std::make_unique<Evaluator>(data.test, context.config().eval.metrics, context.config().eval.batch_size,
                                             context.config().eval.max_samples)) {
    if (context.progress_unit() != ProgressUnit::epochs) {
        throw std::logic_error("SGD training counts its progress in epochs; the run context counts a fraction done");
    }
}

std::unique_ptr<Model> TrainingSession::create_model() const {
    return tb::create_model(config().model, data_.train, config().seed);
}

std::vector<float> TrainingSession::initial_parameters(const Model& model) const {
    return model.initial_parameters(config().seed);
}

std::unique_ptr<Optimizer> TrainingSession::create_optimizer(Backend& backend, const ArenaLayout& layout) const {
    return tb::create_optimizer(config().optimizer, backend, layout);
}

double TrainingSession::learning_rate() const { return scheduled_learning_rate(config().optimizer, epochs()); }

double TrainingSession::base_learning_rate() const { return scheduled_base_rate(config().optimizer, epochs()); }

void TrainingSession::log_learning_rate(std::int64_t batch_size, const std::string& whose_batch, const std::string& detail) {
    const OptimizerConfig& optimizer = config().optimizer;
    const std::string lr = "optimizer.lr " + format_number(optimizer.lr);
    const std::string batch = whose_batch + " of " + std::to_string(batch_size) + " rows" + (detail.empty() ? "" : " " + detail);
    if (optimizer.lr_reference_batch <= 0) {
        log(LogLevel::info, "learning rate: " + lr + " is the rate of " + batch + " (optimizer.lr_reference_batch unset: no scaling)");
        return;
    }
    const std::string reference = std::to_string(optimizer.lr_reference_batch);
    const bool linear = optimizer.lr_scaling == BatchScaling::linear;
    const double rate = batch_scaled_rate(optimizer.lr, batch_size, optimizer.lr_reference_batch, optimizer.lr_scaling);
    log(LogLevel::info, "learning rate: " + lr + " is the rate of a batch of " + reference + " (optimizer.lr_reference_batch); " +
                            batch + " trains at " + (linear ? "lr * " : "lr * sqrt(") + std::to_string(batch_size) + " / " +
                            reference + (linear ? "" : ")") + " = " + format_number(rate) + " before warm-up and the schedule");
}

double TrainingSession::learning_rate(std::int64_t batch_size) const {
    return scheduled_learning_rate(config().optimizer, epochs(), batch_size);
}

double TrainingSession::epochs() const {
    return static_cast<double>(samples_seen_) / static_cast<double>(std::max<std::int64_t>(data_.train.num_samples(), 1));
}

bool TrainingSession::epoch_budget_left(std::int64_t rows_in_flight) const {
    const double budget_rows = config().stop.max_epochs * static_cast<double>(data_.train.num_samples());
    return static_cast<double>(samples_seen_ + rows_in_flight) < budget_rows;
}

void TrainingSession::add_training_progress(std::int64_t samples, double loss_sum) {
    if (!std::isfinite(loss_sum)) {
        throw RunDiverged("the training loss became " + std::string(std::isnan(loss_sum) ? "NaN" : "infinite") +
                          " after " + std::to_string(samples_seen_) + " samples (epoch " +
                          std::to_string(epochs()) + "); lower optimizer.lr or add warm-up");
    }
    samples_seen_ += samples;
    training_loss_sum_ += loss_sum;
    training_loss_samples_ += samples;
    context_.set_progress(epochs(), samples_seen_);
}

void TrainingSession::evaluate(Backend& backend, Model& model, const ParameterArena& parameters,
                               const ExtraMetrics& extra) {
    context_.evaluate([&] {
        std::map<std::string, double> metrics = evaluator_->evaluate(backend, model, parameters);
        if (extra) metrics.merge(extra());
        if (training_loss_samples_ > 0) {
            metrics["train_loss"] = training_loss_sum_ / static_cast<double>(training_loss_samples_);
            training_loss_sum_ = 0;
            training_loss_samples_ = 0;
        }
        return metrics;
    });
}

void TrainingSession::evaluate_final(Backend& backend, Model& model, const ParameterArena& parameters,
                                     const ExtraMetrics& extra) {
    if (const FinalModelObserver& observer = context_.final_model_observer()) observer(parameters.layout(), parameters.download());
    if (context_.evaluation_is_current()) return;
    evaluate(backend, model, parameters, extra);
}

}  // namespace tb
