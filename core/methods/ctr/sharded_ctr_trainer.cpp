#include "core/methods/ctr/sharded_ctr_trainer.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/methods/ctr/ctr_batch.h"
#include "core/optim/adam_optimizer.h"

namespace tb {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

struct ShardedCtrTrainer::Worker {
    Worker(const CtrModelSpec& model_spec, const EmbeddingStoreSpec& store_spec, Backend& backend, std::uint64_t seed)
        : device(backend), model(model_spec, backend, seed), store(store_spec, backend), adam(backend, model.layout(), AdamConfig{}) {}

    Backend& device;
    CtrModel model;
    EmbeddingStore store;  // this device's shard of the rows
    AdamOptimizer adam;
    // This device's part of a step.
    VirtualIdMapper mapper;
    CtrBatch batch;
    VirtualSparseIds ids;
    std::vector<std::int32_t> shard_position;  // per distinct id: its row in its shard's staged batch
    DeviceMatrix compact;
    CtrDeviceStep step;
    double loss = 0;
    // This shard's part of a step.
    StagedBatch staged;
    std::unordered_map<std::int64_t, std::int32_t> staged_position;
    std::vector<float> shard_rows;      // staged rows, gathered to the host for the exchange
    std::vector<float> shard_gradient;  // summed over the devices that asked
    DeviceMatrix device_gradient;
};

ShardedCtrTrainer::ShardedCtrTrainer(const CtrModelSpec& model, const EmbeddingStoreSpec& shard_store,
                                     std::vector<Backend*> devices, const CtrTrainerSettings& settings, std::uint64_t seed)
    : settings_(settings) {
    if (devices.empty()) throw std::invalid_argument("a sharded CTR trainer needs at least one device");
    if (settings.batch_size < static_cast<std::int64_t>(devices.size())) {
        throw std::invalid_argument("a global batch of " + std::to_string(settings.batch_size) + " rows cannot give each of " +
                                    std::to_string(devices.size()) + " devices a row");
    }
    for (Backend* device : devices) workers_.push_back(std::make_unique<Worker>(model, shard_store, *device, seed));
}

ShardedCtrTrainer::~ShardedCtrTrainer() = default;

CtrModel& ShardedCtrTrainer::replica(std::size_t device) { return workers_.at(device)->model; }
EmbeddingStore& ShardedCtrTrainer::shard(std::size_t device) { return workers_.at(device)->store; }

EmbeddingTraffic ShardedCtrTrainer::total_traffic() const {
    EmbeddingTraffic total;
    for (const auto& worker : workers_) total += worker->store.total_traffic();
    return total;
}

CtrEpochResult ShardedCtrTrainer::train_epoch(const CtrRows& rows, std::span<const std::int64_t> order,
                                              const std::function<bool(const CtrStepRecord&)>& on_step) {
    const auto epoch_start = Clock::now();
    const std::size_t devices = workers_.size();
    const auto shard_of = [devices](std::int64_t id) { return static_cast<std::size_t>(id % static_cast<std::int64_t>(devices)); };
    const auto width = static_cast<std::size_t>(workers_.front()->store.dim());
    const std::int64_t batch_size = settings_.batch_size;
    CtrEpochResult result;
    double loss_total = 0;
    std::vector<float> dense_sum;
    std::vector<float> host_rows;
    for (std::size_t first = 0; first < order.size(); first += static_cast<std::size_t>(batch_size)) {
        const std::size_t global = std::min(order.size() - first, static_cast<std::size_t>(batch_size));
        CtrStepRecord record;
        // 1. Each device's part of the global batch, its ids mapped to virtual ids.
        auto started = Clock::now();
        for (std::size_t d = 0; d < devices; ++d) {
            Worker& worker = *workers_[d];
            const std::size_t begin = first + global * d / devices;
            const std::size_t end = first + global * (d + 1) / devices;
            load_ctr_batch(rows, order.subspan(begin, end - begin), worker.mapper, worker.batch, worker.ids);
        }
        record.load_seconds = seconds_since(started);
        // 2. Every shard stages the distinct ids any device asks of it, once.
        started = Clock::now();
        for (auto& shard : workers_) {
            shard->staged.ids.unique_ids.clear();
            shard->staged.ids.positions.clear();
            shard->staged_position.clear();
        }
        for (auto& worker : workers_) {
            worker->shard_position.resize(worker->ids.unique_ids.size());
            for (std::size_t k = 0; k < worker->ids.unique_ids.size(); ++k) {
                const std::int64_t id = worker->ids.unique_ids[k];
                Worker& shard = *workers_[shard_of(id)];
                const auto [place, added] =
                    shard.staged_position.try_emplace(id, static_cast<std::int32_t>(shard.staged.ids.unique_ids.size()));
                if (added) shard.staged.ids.unique_ids.push_back(id);
                shard.staged.ids.positions.push_back(place->second);
                worker->shard_position[k] = place->second;
            }
        }
        for (auto& shard : workers_) {
            shard->store.stage(shard->staged);
            record.traffic += shard->staged.traffic;
            record.traffic.lookups -= shard->staged.traffic.lookups;  // the devices' lookups are counted below
            const ConstMatrixView gathered = shard->store.gather(shard->staged);
            shard->shard_rows.resize(static_cast<std::size_t>(gathered.rows) * width);
            shard->device.copy_device_to_host(shard->shard_rows.data(), gathered.data, shard->shard_rows.size() * sizeof(float));
        }
        for (const auto& worker : workers_) record.traffic.lookups += worker->ids.lookups();
        // 3. The all-to-all: each device's compact table from its rows' shards.
        for (auto& worker : workers_) {
            const std::size_t distinct = worker->ids.unique_ids.size();
            host_rows.resize(distinct * width);
            for (std::size_t k = 0; k < distinct; ++k) {
                const Worker& shard = *workers_[shard_of(worker->ids.unique_ids[k])];
                std::copy_n(shard.shard_rows.data() + static_cast<std::size_t>(worker->shard_position[k]) * width, width,
                            host_rows.data() + k * width);
            }
            worker->compact.resize(worker->device, static_cast<std::int64_t>(distinct), static_cast<std::int64_t>(width),
                                   "embedding rows of a batch");
            worker->compact.upload(HostMatrix(static_cast<std::int64_t>(distinct), static_cast<std::int64_t>(width), host_rows));
        }
        record.table_seconds = seconds_since(started);
        // The devices' forward and backward, side by side; the loss scaled by the global batch, so that the
        // summed gradients are the global batch's mean's.
        started = Clock::now();
        const float grad_scale = 1.0f / static_cast<float>(global);
        std::vector<std::exception_ptr> failures(devices);
        {
            std::vector<std::thread> threads;
            for (std::size_t d = 1; d < devices; ++d) {
                threads.emplace_back([&, d] {
                    try {
                        Worker& worker = *workers_[d];
                        worker.loss = worker.step.run(worker.model, worker.device, worker.batch, worker.compact.view(), grad_scale);
                        worker.device.synchronize();
                    } catch (...) {
                        failures[d] = std::current_exception();
                    }
                });
            }
            try {
                Worker& worker = *workers_[0];
                worker.loss = worker.step.run(worker.model, worker.device, worker.batch, worker.compact.view(), grad_scale);
                worker.device.synchronize();
            } catch (...) {
                failures[0] = std::current_exception();
            }
            for (std::thread& thread : threads) thread.join();
        }
        for (const std::exception_ptr& failure : failures) {
            if (failure) std::rethrow_exception(failure);
        }
        record.device_seconds = seconds_since(started);
        // 4. Row gradients back to their shards, summed there in device order, and applied.
        started = Clock::now();
        for (auto& shard : workers_) shard->shard_gradient.assign(shard->staged.ids.unique_ids.size() * width, 0.0f);
        for (auto& worker : workers_) {
            const MatrixView gradient = worker->step.table_gradient();
            host_rows.resize(static_cast<std::size_t>(gradient.rows) * width);
            worker->device.copy_device_to_host(host_rows.data(), gradient.data, host_rows.size() * sizeof(float));
            for (std::size_t k = 0; k < worker->ids.unique_ids.size(); ++k) {
                Worker& shard = *workers_[shard_of(worker->ids.unique_ids[k])];
                float* into = shard.shard_gradient.data() + static_cast<std::size_t>(worker->shard_position[k]) * width;
                const float* from = host_rows.data() + k * width;
                for (std::size_t j = 0; j < width; ++j) into[j] += from[j];
            }
        }
        for (auto& shard : workers_) {
            const auto staged_rows = static_cast<std::int64_t>(shard->staged.ids.unique_ids.size());
            shard->device_gradient.resize(shard->device, staged_rows, static_cast<std::int64_t>(width), "embedding gradients");
            shard->device_gradient.upload(HostMatrix(staged_rows, static_cast<std::int64_t>(width), shard->shard_gradient));
            shard->store.apply_gradient(shard->staged, shard->device_gradient.view());
        }
        // The dense gradients' all-reduce (a sum: each is already scaled by the global batch), then the
        // same Adam step on every replica.
        if (devices > 1) {
            dense_sum = workers_[0]->model.gradients().dense().download();
            for (std::size_t d = 1; d < devices; ++d) {
                const std::vector<float> other = workers_[d]->model.gradients().dense().download();
                for (std::size_t i = 0; i < dense_sum.size(); ++i) dense_sum[i] += other[i];
            }
            for (auto& worker : workers_) worker->model.gradients().dense().upload(dense_sum);
        }
        for (auto& worker : workers_) {
            worker->adam.step(worker->model.parameters(), worker->model.gradients(), settings_.dense_learning_rate);
            worker->device.synchronize();
        }
        record.table_seconds += seconds_since(started);

        double loss = 0;
        for (const auto& worker : workers_) loss += worker->loss;
        record.step = steps_++;
        record.rows = static_cast<std::int64_t>(global);
        record.loss = loss / static_cast<double>(global);
        loss_total += loss;
        result.rows += record.rows;
        ++result.steps;
        result.load_seconds += record.load_seconds;
        result.table_seconds += record.table_seconds;
        result.device_seconds += record.device_seconds;
        if (on_step && !on_step(record)) {
            result.stopped = true;
            break;
        }
    }
    result.mean_loss = result.rows > 0 ? loss_total / static_cast<double>(result.rows) : 0.0;
    result.wall_seconds = seconds_since(epoch_start);
    return result;
}

std::vector<double> ShardedCtrTrainer::predict(const CtrRows& rows, std::int64_t batch_size) {
    const std::size_t devices = workers_.size();
    for (auto& worker : workers_) worker->store.flush();
    const auto record_floats = static_cast<std::size_t>(workers_.front()->store.host_table().record_floats());
    std::vector<std::vector<std::int64_t>> shard_ids(devices);
    std::vector<std::vector<std::size_t>> shard_slots(devices);
    std::vector<float> shard_records;
    return predict_clicks(workers_.front()->model, workers_.front()->device, rows, batch_size, static_cast<int>(record_floats),
                          [&](std::span<const std::int64_t> ids, float* records) {
                              // Each shard reads its own rows in one call; they go back to the batch's order.
                              for (std::size_t d = 0; d < devices; ++d) {
                                  shard_ids[d].clear();
                                  shard_slots[d].clear();
                              }
                              for (std::size_t k = 0; k < ids.size(); ++k) {
                                  const auto d = static_cast<std::size_t>(ids[k] % static_cast<std::int64_t>(devices));
                                  shard_ids[d].push_back(ids[k]);
                                  shard_slots[d].push_back(k);
                              }
                              for (std::size_t d = 0; d < devices; ++d) {
                                  shard_records.resize(shard_ids[d].size() * record_floats);
                                  workers_[d]->store.host_table().read_records(shard_ids[d], shard_records.data());
                                  for (std::size_t i = 0; i < shard_slots[d].size(); ++i) {
                                      std::copy_n(shard_records.data() + i * record_floats, record_floats,
                                                  records + shard_slots[d][i] * record_floats);
                                  }
                              }
                          });
}

}  // namespace tb
