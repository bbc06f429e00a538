#pragma once
// Evaluates a predictor on a held-out data set: scores in fixed chunks, metrics on the host. The chunks
// are gathered once and reused by every evaluation. A model replica is evaluated through a ModelPredictor
// made for that one evaluation, because the backend its scratch lives on may be gone by the next one.
// Metrics of the multi-label ranking registry come from each row's top-k, so a large label space never
// leaves the device whole; the classification registry's micro_f1 and roc_auc read every score, and only
// an evaluation that names one of them copies the score matrix to the host. On a multi-label set,
// micro_f1 counts a label as predicted when its score exceeds 0: a probability over 0.5 for a model trained
// with the sigmoid loss; a softmax model's scores have no such threshold, and its micro_f1 says little.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/batch.h"
#include "core/metrics/metric_accumulator.h"
#include "core/metrics/predictor.h"
#include "core/model/model.h"

namespace tb {

// Whether an evaluation can compute the named metric, and the names to offer in a message when not.
bool evaluator_offers_metric(std::string_view name);
std::string evaluator_offered_metric_names();

class Evaluator {
public:
    // max_samples 0: the whole set. Throws std::invalid_argument on a metric evaluation does not offer.
    Evaluator(const Dataset& data, std::vector<std::string> metric_names, std::int64_t batch_size,
              std::int64_t max_samples = 0);

    std::map<std::string, double> evaluate(Predictor& predictor);
    // The model replica's evaluation, through a ModelPredictor.
    std::map<std::string, double> evaluate(Backend& backend, Model& model, const ParameterArena& parameters);
    std::int64_t sample_count() const { return sample_count_; }
    const std::vector<std::string>& metric_names() const { return metric_names_; }

private:
    std::vector<std::string> metric_names_;
    std::vector<std::string> ranking_metric_names_;
    std::vector<std::pair<std::string, ClassificationScore>> whole_set_metrics_;
    bool multi_label_ = true;
    std::vector<HostBatch> chunks_;
    std::int64_t sample_count_ = 0;
};

}  // namespace tb
