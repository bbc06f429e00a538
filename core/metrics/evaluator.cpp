#include "core/metrics/evaluator.h"

#include <algorithm>
#include <numeric>

namespace tb {

Evaluator::Evaluator(const Dataset& data, std::vector<std::string> metric_names, std::int64_t batch_size,
                     std::int64_t max_samples)
    : metric_names_(std::move(metric_names)) {
    MetricAccumulator validate(metric_names_);  // throws on unknown names before any work
    sample_count_ = max_samples > 0 ? std::min(max_samples, data.num_samples()) : data.num_samples();
    std::vector<std::int64_t> rows;
    for (std::int64_t start = 0; start < sample_count_; start += batch_size) {
        rows.resize(static_cast<std::size_t>(std::min(batch_size, sample_count_ - start)));
        std::iota(rows.begin(), rows.end(), start);
        chunks_.push_back(make_batch(data, rows));
    }
}

std::map<std::string, double> Evaluator::evaluate(Backend& backend, Model& model, const ParameterArena& parameters) {
    MetricAccumulator accumulator(metric_names_);
    std::vector<std::int32_t> host_top_k;
    DeviceBatch device_batch;
    DeviceBuffer<std::int32_t> top_k;
    for (const HostBatch& chunk : chunks_) {
        device_batch.upload(backend, chunk);
        const ConstMatrixView logits = model.forward(backend, parameters, device_batch, /*training=*/false);
        const int k = std::min<int>(accumulator.required_top_k(), static_cast<int>(logits.cols));
        const double loss = loss_and_gradient(backend, model.loss(), logits, device_batch.labels.view(), MatrixView{}, 1.0f);
        ensure_capacity(top_k, backend, logits.rows * k, "evaluation top-k");
        backend.top_k(logits, k, top_k.data());
        host_top_k.resize(static_cast<std::size_t>(logits.rows * k));
        backend.copy_device_to_host(host_top_k.data(), top_k.data(), host_top_k.size() * sizeof(std::int32_t));
        if (k < accumulator.required_top_k()) {
            // Fewer labels than the largest K: pad with an id no label has, which never counts as a hit.
            std::vector<std::int32_t> padded(static_cast<std::size_t>(logits.rows * accumulator.required_top_k()), -1);
            for (std::int64_t r = 0; r < logits.rows; ++r) {
                std::copy_n(host_top_k.begin() + r * k, k, padded.begin() + r * accumulator.required_top_k());
            }
            host_top_k.swap(padded);
        }
        accumulator.add_batch(host_top_k, accumulator.required_top_k(), chunk.labels, loss);
    }
    return accumulator.results();
}

}  // namespace tb
