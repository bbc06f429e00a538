#pragma once
// Evaluates a predictor on a held-out data set: scores in fixed chunks, metrics on the host. The chunks
// are gathered once and reused by every evaluation. A model replica is evaluated through a ModelPredictor
// made for that one evaluation, because the backend its scratch lives on may be gone by the next one.

#include <map>
#include <string>
#include <vector>

#include "core/data/batch.h"
#include "core/metrics/metric_accumulator.h"
#include "core/metrics/predictor.h"
#include "core/model/model.h"

namespace tb {

class Evaluator {
public:
    // max_samples 0: the whole set.
    Evaluator(const Dataset& data, std::vector<std::string> metric_names, std::int64_t batch_size,
              std::int64_t max_samples = 0);

    std::map<std::string, double> evaluate(Predictor& predictor);
    // The model replica's evaluation, through a ModelPredictor.
    std::map<std::string, double> evaluate(Backend& backend, Model& model, const ParameterArena& parameters);
    std::int64_t sample_count() const { return sample_count_; }
    const std::vector<std::string>& metric_names() const { return metric_names_; }

private:
    std::vector<std::string> metric_names_;
    std::vector<HostBatch> chunks_;
    std::int64_t sample_count_ = 0;
};

}  // namespace tb
