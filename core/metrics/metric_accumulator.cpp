#include "core/metrics/metric_accumulator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tb {

MetricAccumulator::MetricAccumulator(const std::vector<std::string>& metric_names) {
    for (const std::string& name : metric_names) {
        const std::optional<MetricName> parsed = parse_metric_name(name);
        if (!parsed) throw std::invalid_argument("unknown metric '" + name + "' (p@K, ndcg@K, accuracy, loss)");
        metrics_.emplace_back(name, *parsed);
        required_top_k_ = std::max(required_top_k_, parsed->k);
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
        const std::int32_t* predicted = top_k_indices.data() + row * k;
        const auto is_true = [&](std::int32_t label) { return std::binary_search(truth.begin(), truth.end(), label); };
        for (std::size_t m = 0; m < metrics_.size(); ++m) {
            const MetricName& metric = metrics_[m].second;
            switch (metric.kind) {
                case MetricName::Kind::precision_at_k: {
                    int hits = 0;
                    for (int l = 0; l < metric.k; ++l) hits += is_true(predicted[l]) ? 1 : 0;
                    sums_[m] += static_cast<double>(hits) / metric.k;
                    break;
                }
                case MetricName::Kind::ndcg_at_k: {
                    double dcg = 0;
                    double ideal = 0;
                    for (int l = 0; l < metric.k; ++l) {
                        const double discount = 1.0 / std::log2(l + 2.0);
                        if (is_true(predicted[l])) dcg += discount;
                        if (l < static_cast<int>(truth.size())) ideal += discount;
                    }
                    if (ideal > 0) sums_[m] += dcg / ideal;
                    break;
                }
                case MetricName::Kind::accuracy:
                    sums_[m] += is_true(predicted[0]) ? 1.0 : 0.0;
                    break;
                case MetricName::Kind::loss:
                    break;
            }
        }
    }
}

std::map<std::string, double> MetricAccumulator::results() const {
    std::map<std::string, double> values;
    const double samples = std::max<double>(static_cast<double>(samples_), 1.0);
    for (std::size_t m = 0; m < metrics_.size(); ++m) {
        values[metrics_[m].first] =
            metrics_[m].second.kind == MetricName::Kind::loss ? loss_sum_ / samples : sums_[m] / samples;
    }
    return values;
}

}  // namespace tb
