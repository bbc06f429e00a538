#include "core/run/learning_rate_note.h"

#include "core/config/config_reader.h"
#include "core/optim/optimizer_kinds.h"

namespace tb {

namespace {

std::string whose_batch(const std::string& method) {
    if (method == "sync_sgd") return "the global batch";
    if (method == "crossbow_sma") return "each learner's batch";
    if (method == "single_device") return "the batch";
    return "each worker's batch";
}

}  // namespace

std::string describe_learning_rate(const RunConfig& config) {
    if (!config.has_model) return {};
    const OptimizerConfig& optimizer = config.optimizer;
    const nlohmann::json& method = config.method.parameters;
    const std::string lr = "lr " + format_number(optimizer.lr);
    const bool linear = optimizer.lr_scaling == BatchScaling::linear;
    const auto scaled = [&](const std::string& batch, std::int64_t reference) {
        return linear ? "lr * " + batch + " / " + std::to_string(reference) : "lr * sqrt(" + batch + " / " + std::to_string(reference) + ")";
    };
    if (config.method.kind == "adaptive_sgd") {
        const auto batch_min = method.value("batch_min", std::int64_t{0});
        const auto batch_max = method.value("batch_max", std::int64_t{0});
        const std::int64_t reference = optimizer.lr_reference_batch > 0 ? optimizer.lr_reference_batch : batch_max;
        const std::string source = optimizer.lr_reference_batch > 0 ? "optimizer.lr_reference_batch" : "method.batch_max, as the authors' code";
        // Without a reference batch Adaptive SGD scales linearly, as its authors do.
        const bool square_root = optimizer.lr_reference_batch > 0 && !linear;
        const std::string rule = square_root ? "lr * sqrt(b / " + std::to_string(reference) + ")" : "lr * b / " + std::to_string(reference);
        return lr + " is the rate of a batch of " + std::to_string(reference) + " (" + source + "); a worker at batch b (" +
               std::to_string(batch_min) + " to " + std::to_string(batch_max) + ") trains at " + rule;
    }
    if (!method.contains("batch_size") || !method["batch_size"].is_number_integer()) {
        return optimizer.lr_reference_batch > 0 ? lr + " is the rate of a batch of " + std::to_string(optimizer.lr_reference_batch)
                                                : lr + " is the rate of every step";
    }
    const auto batch = method["batch_size"].get<std::int64_t>();
    const std::string batch_text = whose_batch(config.method.kind) + " of " + std::to_string(batch);
    if (optimizer.lr_reference_batch <= 0) {
        return lr + " is the rate of " + batch_text + " (set lr_reference_batch to scale it with the batch)";
    }
    const double rate = batch_scaled_rate(optimizer.lr, batch, optimizer.lr_reference_batch, optimizer.lr_scaling);
    return lr + " is the rate of a batch of " + std::to_string(optimizer.lr_reference_batch) + "; " + batch_text +
           " trains at " + scaled(std::to_string(batch), optimizer.lr_reference_batch) + " = " + format_number(rate);
}

}  // namespace tb
