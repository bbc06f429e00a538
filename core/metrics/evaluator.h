#pragma once
// Evaluates a model replica on a held-out data set: forward passes in fixed chunks, top-k on the
// device, metrics on the host. The chunks are gathered once and reused by every evaluation; the device
// scratch lives only for one evaluation, because the backend it lives on may be gone by the next one.

#include <map>
#include <string>
#include <vector>

#include "core/data/batch.h"
#include "core/metrics/metric_accumulator.h"
#include "core/model/model.h"

namespace tb {

class Evaluator {
public:
    // max_samples 0: the whole set.
    Evaluator(const Dataset& data, std::vector<std::string> metric_names, std::int64_t batch_size,
              std::int64_t max_samples = 0);

    std::map<std::string, double> evaluate(Backend& backend, Model& model, const ParameterArena& parameters);
    std::int64_t sample_count() const { return sample_count_; }
    const std::vector<std::string>& metric_names() const { return metric_names_; }

private:
    std::vector<std::string> metric_names_;
    std::vector<HostBatch> chunks_;
    std::int64_t sample_count_ = 0;
};

}  // namespace tb
