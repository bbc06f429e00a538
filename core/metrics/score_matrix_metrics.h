#pragma once
// Metrics of an evaluation set whose scores are all on the host at once: a graph's nodes, whose logits
// come from one forward over the graph (or its cluster batches) rather than from independent rows. It
// offers the classification registry's metrics (accuracy, micro_f1, roc_auc) and the mean loss per row
// under the model's own loss; ranking metrics (p@K) belong to the tabular evaluator.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/model/loss.h"
#include "core/tensor/host_csr.h"

namespace tb {

struct ScoredRows {
    std::span<const float> scores;  // rows x outputs, row-major logits
    std::int64_t rows = 0;
    std::int64_t outputs = 0;
    const HostCsr* labels = nullptr;  // rows x outputs, each row's true labels
    bool multi_label = false;
    LossKind loss = LossKind::softmax_cross_entropy;
};

// Throws std::invalid_argument naming a metric it does not offer.
std::map<std::string, double> score_matrix_metrics(const std::vector<std::string>& names, const ScoredRows& rows);
bool score_matrix_offers_metric(const std::string& name);

}  // namespace tb
