#pragma once
// What evaluation scores: anything that gives one row of output scores per test row (a model replica
// today; a kernel machine or an SVM later), so that metrics never need a model. A predictor computes
// only what the metrics ask for: on a large label space the top-k is taken where the scores live, and the
// full score matrix crosses to the host only for metrics that read every score (ROC-AUC, regression).

#include <cstdint>
#include <optional>
#include <vector>

#include "core/data/batch.h"

namespace tb {

struct ScoreRequest {
    int top_k = 0;             // 0: no top-k
    bool full_scores = false;  // the rows x outputs matrix on the host
    bool loss = false;         // the summed loss over the block, when the predictor has one
};

struct BlockScores {
    std::int64_t rows = 0;
    std::int64_t outputs = 0;
    int k = 0;                                // min(requested top_k, outputs)
    std::vector<std::int32_t> top_k;          // rows x k output ids, best first
    std::vector<float> scores;                // rows x outputs, row-major
    std::optional<double> loss_sum;           // empty when the predictor has no loss
};

class Predictor {
public:
    virtual ~Predictor() = default;
    virtual BlockScores score(const HostBatch& rows, const ScoreRequest& request) = 0;
};

}  // namespace tb
