#include "core/metrics/evaluator.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/metrics/metric_registry.h"
#include "core/metrics/model_predictor.h"

namespace tb {

namespace {

// The classification metrics that need every score; accuracy and loss come from the ranking path.
std::optional<ClassificationScore> whole_set_metric(std::string_view name) {
    if (metric_registry(MetricTask::multi_label_ranking).find(name)) return std::nullopt;
    const std::optional<ResolvedMetric> metric = metric_registry(MetricTask::classification).find(name);
    if (!metric) return std::nullopt;
    const auto* score = std::get_if<ClassificationScore>(&metric->definition->computation);
    return score != nullptr ? std::optional<ClassificationScore>(*score) : std::nullopt;
}

// micro_f1 and roc_auc hold every score of the evaluation set on the host, as doubles.
void check_whole_set_fits(std::int64_t rows, std::int64_t outputs) {
    constexpr std::int64_t max_cells = std::int64_t{1} << 28;  // 2 GiB of scores
    if (outputs > 0 && rows > max_cells / outputs) {
        throw std::invalid_argument("micro_f1 and roc_auc keep every score on the host: " + std::to_string(rows) + " rows x " +
                                    std::to_string(outputs) + " outputs is more than " + std::to_string(max_cells) +
                                    "; lower eval.max_samples or use p@K and ndcg@K, which need only the top-k");
    }
}

}  // namespace

bool evaluator_offers_metric(std::string_view name) {
    return metric_registry(MetricTask::multi_label_ranking).find(name).has_value() || whole_set_metric(name).has_value();
}

std::string evaluator_offered_metric_names() {
    std::string names = metric_registry(MetricTask::multi_label_ranking).offered_names();
    for (const MetricDefinition& definition : metric_registry(MetricTask::classification).definitions()) {
        if (whole_set_metric(definition.name)) names += ", " + definition.name;
    }
    return names;
}

Evaluator::Evaluator(const Dataset& data, std::vector<std::string> metric_names, std::int64_t batch_size,
                     std::int64_t max_samples)
    : metric_names_(std::move(metric_names)), multi_label_(data.task == TaskKind::multi_label) {
    for (const std::string& name : metric_names_) {
        if (const std::optional<ClassificationScore> score = whole_set_metric(name)) {
            whole_set_metrics_.emplace_back(name, *score);
        } else if (metric_registry(MetricTask::multi_label_ranking).find(name)) {
            ranking_metric_names_.push_back(name);
        } else {
            throw std::invalid_argument("unknown metric '" + name + "' (" + evaluator_offered_metric_names() + ")");
        }
    }
    sample_count_ = max_samples > 0 ? std::min(max_samples, data.num_samples()) : data.num_samples();
    std::vector<std::int64_t> rows;
    for (std::int64_t start = 0; start < sample_count_; start += batch_size) {
        rows.resize(static_cast<std::size_t>(std::min(batch_size, sample_count_ - start)));
        std::iota(rows.begin(), rows.end(), start);
        chunks_.push_back(make_batch(data, rows));
    }
}

std::map<std::string, double> Evaluator::evaluate(Predictor& predictor) {
    MetricAccumulator accumulator(ranking_metric_names_);
    const bool ranking = !ranking_metric_names_.empty();
    const bool whole_set = !whole_set_metrics_.empty();
    const int required_k = accumulator.required_top_k();
    std::vector<double> scores;
    std::vector<std::uint8_t> truth;
    std::int64_t outputs = 0;
    for (const HostBatch& chunk : chunks_) {
        const ScoreRequest request{.top_k = ranking ? required_k : 0, .full_scores = whole_set, .loss = accumulator.needs_loss()};
        BlockScores block = predictor.score(chunk, request);
        if (accumulator.needs_loss() && !block.loss_sum) {
            throw std::invalid_argument("metric 'loss' needs a predictor that has a loss; remove it from eval.metrics");
        }
        if (whole_set) {
            outputs = block.outputs;
            if (scores.empty()) check_whole_set_fits(sample_count_, outputs);
            scores.insert(scores.end(), block.scores.begin(), block.scores.end());
            const std::size_t first = truth.size();
            truth.resize(first + static_cast<std::size_t>(block.rows * block.outputs), 0);
            for (std::int64_t r = 0; r < block.rows; ++r) {
                for (const std::int32_t label : chunk.labels.row_columns(r)) {
                    truth[first + static_cast<std::size_t>(r * block.outputs + label)] = 1;
                }
            }
        }
        if (!ranking) continue;
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
    std::map<std::string, double> results = ranking ? accumulator.results() : std::map<std::string, double>{};
    if (whole_set) {
        const ClassificationOutputs all{sample_count_, outputs, scores, truth, multi_label_, 0.0};
        for (const auto& [name, score] : whole_set_metrics_) results[name] = score(all);
    }
    return results;
}

std::map<std::string, double> Evaluator::evaluate(Backend& backend, Model& model, const ParameterArena& parameters) {
    ModelPredictor predictor(backend, model, parameters);
    return evaluate(predictor);
}

}  // namespace tb
