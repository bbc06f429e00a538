#pragma once
// Accumulates the multi-label ranking registry's metrics (p@K, nDCG@K, accuracy, loss) over the batches
// of an evaluation, from each row's top-k predicted labels and its true label set; each metric is the mean
// over all rows.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/metrics/metric_registry.h"
#include "core/tensor/host_csr.h"

namespace tb {

class MetricAccumulator {
public:
    // Throws std::invalid_argument on a name the multi-label ranking registry does not hold.
    explicit MetricAccumulator(const std::vector<std::string>& metric_names);

    // The k the top-k of each batch must hold (the largest K named, at least 1).
    int required_top_k() const { return required_top_k_; }
    bool needs_loss() const { return needs_loss_; }
    // top_k_indices: rows x k row-major predicted label ids, best first; labels: the batch's label rows.
    void add_batch(const std::vector<std::int32_t>& top_k_indices, int k, const HostCsr& labels, double loss_sum);
    std::map<std::string, double> results() const;
    std::int64_t samples() const { return samples_; }

private:
    std::vector<std::pair<std::string, ResolvedMetric>> metrics_;
    std::vector<double> sums_;
    int required_top_k_ = 1;
    bool needs_loss_ = false;
    std::int64_t samples_ = 0;
    double loss_sum_ = 0;
};

}  // namespace tb
