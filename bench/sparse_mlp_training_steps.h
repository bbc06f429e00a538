#pragma once
// What the CPU and CUDA throughput benchmarks time, built the same way for both: the sparse MLP with one
// hidden layer of 128 as the engine trains it (Replica: SGD with momentum 0.9, seed 7), and the batches of
// a run gathered before any timing, so that the step and not the data pipeline is measured.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/data/batch.h"
#include "core/data/shuffled_batcher.h"
#include "core/fleet/replica.h"
#include "core/model/model_config.h"

namespace tb::bench {

inline std::unique_ptr<Replica> sparse_mlp_replica(Backend& backend, const Dataset& train) {
    ModelConfig model_config;
    model_config.kind = tb::ModelKind::sparse_mlp;
    model_config.hidden = {128};
    OptimizerConfig optimizer;
    optimizer.lr = 0.1;
    optimizer.momentum = 0.9;
    std::unique_ptr<Model> model = create_model(model_config, train, 7);
    const std::vector<float> initial = model->initial_parameters(7);
    return std::make_unique<Replica>(backend, std::move(model), initial, optimizer);
}

inline std::vector<HostBatch> gather_batches(const Dataset& train, std::int64_t batch_size, int count) {
    ShuffledBatcher batcher(train.num_samples(), 7);
    std::vector<HostBatch> batches;
    for (int i = 0; i < count; ++i) batches.push_back(make_batch(train, batcher.next(batch_size)));
    return batches;
}

}  // namespace tb::bench
