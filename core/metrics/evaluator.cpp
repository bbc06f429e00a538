#include "core/metrics/evaluator.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/metrics/model_predictor.h"

namespace tb {

Evaluator::Evaluator(const Dataset& data, std::vector<std::string> metric_names, std::int64_t batch_size,
                     std::int64_t max_samples)
    : metric_names_(std::move(metric_names)) {
    MetricAccumulator validate(metric_names_);  // throws on unknown names before any work
    sample_count_ = max_samples > 0 ? std::min(max_samples, data.num_samples()) : data.num_samples();
    std::vector<std::int64_t> rows;
    for (std::int64_t start = 0; start < sample_count_; start += batch_size) {
        rows.resize(static_cast<std::size_t>(std::min(batch_size, sample_count_ - start)));
        std::iota(rows.begin(), rows.end(), start);
        chunks_.push_back(make_batch(data, rows));
    }
}

std::map<std::string, double> Evaluator::evaluate(Predictor& predictor) {
    MetricAccumulator accumulator(metric_names_);
    const int required_k = accumulator.required_top_k();
    for (const HostBatch& chunk : chunks_) {
        BlockScores block =
            predictor.score(chunk, ScoreRequest{.top_k = required_k, .full_scores = false, .loss = accumulator.needs_loss()});
        if (accumulator.needs_loss() && !block.loss_sum) {
            throw std::invalid_argument("metric 'loss' needs a predictor that has a loss; remove it from eval.metrics");
        }
        if (block.k < required_k) {
            // Fewer outputs than the largest K: pad with an id no label has, which never counts as a hit.
            std::vector<std::int32_t> padded(static_cast<std::size_t>(block.rows * required_k), -1);
            for (std::int64_t r = 0; r < block.rows; ++r) {
                std::copy_n(block.top_k.begin() + r * block.k, block.k, padded.begin() + r * required_k);
            }
            block.top_k.swap(padded);
        }
        accumulator.add_batch(block.top_k, required_k, chunk.labels, block.loss_sum.value_or(0.0));
    }
    return accumulator.results();
}

std::map<std::string, double> Evaluator::evaluate(Backend& backend, Model& model, const ParameterArena& parameters) {
    ModelPredictor predictor(backend, model, parameters);
    return evaluate(predictor);
}

}  // namespace tb
