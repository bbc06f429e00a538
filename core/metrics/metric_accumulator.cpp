#include "core/metrics/metric_accumulator.h"

#include <algorithm>
#include <stdexcept>

namespace tb {

MetricAccumulator::MetricAccumulator(const std::vector<std::string>& metric_names) {
    const MetricRegistry& registry = metric_registry(MetricTask::multi_label_ranking);
    for (const std::string& name : metric_names) {
        const std::optional<ResolvedMetric> resolved = registry.find(name);
        if (!resolved) throw std::invalid_argument("unknown metric '" + name + "' (" + registry.offered_names() + ")");
        metrics_.emplace_back(name, *resolved);
        if (resolved->definition->takes_k()) required_top_k_ = std::max(required_top_k_, resolved->k);
        needs_loss_ = needs_loss_ || std::holds_alternative<MeanLossPerRow>(resolved->definition->computation);
    }
    sums_.assign(metrics_.size(), 0.0);
}

void MetricAccumulator::add_batch(const std::vector<std::int32_t>& top_k_indices, int k, const HostCsr& labels,
                                  double loss_sum) {
    if (k < required_top_k_) throw std::invalid_argument("MetricAccumulator: top-k holds fewer than required");
    loss_sum_ += loss_sum;
    samples_ += labels.rows;
    for (std::int64_t row = 0; row < labels.rows; ++row) {
        const std::span<const std::int32_t> truth = labels.row_columns(row);  // sorted
        const std::span<const std::int32_t> predicted(top_k_indices.data() + row * k, static_cast<std::size_t>(k));
        for (std::size_t m = 0; m < metrics_.size(); ++m) {
            if (const auto* row_score = std::get_if<RankingRowScore>(&metrics_[m].second.definition->computation)) {
                sums_[m] += (*row_score)(predicted, truth, metrics_[m].second.k);
            }
        }
    }
}

std::map<std::string, double> MetricAccumulator::results() const {
    std::map<std::string, double> values;
    const double samples = std::max<double>(static_cast<double>(samples_), 1.0);
    for (std::size_t m = 0; m < metrics_.size(); ++m) {
        const bool loss = std::holds_alternative<MeanLossPerRow>(metrics_[m].second.definition->computation);
        values[metrics_[m].first] = loss ? loss_sum_ / samples : sums_[m] / samples;
    }
    return values;
}

}  // namespace tb
