#include "core/metrics/model_predictor.h"

#include <algorithm>

namespace tb {

BlockScores ModelPredictor::score(const HostBatch& rows, const ScoreRequest& request) {
    device_batch_.upload(backend_, rows);
    const ConstMatrixView logits = model_.score(backend_, parameters_, device_batch_);
    BlockScores result;
    result.rows = logits.rows;
    result.outputs = logits.cols;
    if (request.loss) {
        result.loss_sum =
            loss_and_gradient(backend_, model_.loss(), logits, device_batch_.labels.view(), MatrixView{}, 1.0f);
    }
    if (request.top_k > 0) {
        result.k = std::min<int>(request.top_k, static_cast<int>(logits.cols));
        ensure_capacity(top_k_, backend_, logits.rows * result.k, "evaluation top-k");
        backend_.top_k(logits, result.k, top_k_.data());
        result.top_k.resize(static_cast<std::size_t>(logits.rows * result.k));
        backend_.copy_device_to_host(result.top_k.data(), top_k_.data(), result.top_k.size() * sizeof(std::int32_t));
    }
    if (request.full_scores) {
        result.scores.resize(static_cast<std::size_t>(logits.size()));
        backend_.copy_device_to_host(result.scores.data(), logits.data, result.scores.size() * sizeof(float));
    }
    return result;
}

}  // namespace tb
