#include "core/methods/ctr/ctr_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/methods/ctr/bounded_queue.h"
#include "core/methods/ctr/ctr_batch.h"
#include "core/optim/adam_optimizer.h"

namespace tb {

struct CtrTrainer::DenseOptimizer {
    DenseOptimizer(Backend& backend, const ArenaLayout& layout) : adam(backend, layout, AdamConfig{}) {}
    AdamOptimizer adam;
};

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One batch on its way through the stages.
struct PipelineBatch {
    CtrBatch data;
    StagedBatch staged;
    double load_seconds = 0;
    double table_seconds = 0;
};

// The loader's work: the rows' fields, their ids mapped to virtual ids, the bag lookups.
void load_batch(const CtrRows& data, std::span<const std::int64_t> rows, VirtualIdMapper& mapper, PipelineBatch& batch) {
    const auto started = Clock::now();
    load_ctr_batch(data, rows, mapper, batch.data, batch.staged.ids);
    batch.load_seconds = seconds_since(started);
}

// Batches done with, for the loader to fill again: their buffers keep their capacity, so that steady-state
// steps allocate (and the kernel zeroes) no fresh pages.
class BatchPool {
public:
    std::shared_ptr<PipelineBatch> acquire() {
        const std::lock_guard lock(mutex_);
        if (free_.empty()) return std::make_shared<PipelineBatch>();
        std::shared_ptr<PipelineBatch> batch = std::move(free_.back());
        free_.pop_back();
        return batch;
    }
    void release(std::shared_ptr<PipelineBatch> batch) {
        const std::lock_guard lock(mutex_);
        free_.push_back(std::move(batch));
    }

private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<PipelineBatch>> free_;
};

}  // namespace

CtrTrainer::CtrTrainer(CtrModel& model, EmbeddingStore& store, Backend& device, const CtrTrainerSettings& settings)
    : model_(model), store_(store), device_(device), settings_(settings),
      optimizer_(std::make_shared<DenseOptimizer>(device, model.layout())) {
    if (store.dim() != ctr_embedding_width(model.spec())) {
        throw std::invalid_argument("the embedding store holds rows of " + std::to_string(store.dim()) + " floats; the " +
                                    ctr_architecture_names().name(model.spec().architecture) + " model needs " +
                                    std::to_string(ctr_embedding_width(model.spec())));
    }
    if (settings.batch_size < 1 || settings.queue_depth < 1) {
        throw std::invalid_argument("the CTR trainer needs a positive batch size and queue depth");
    }
}

void CtrTrainer::check_fields(const CtrRows& rows) const {
    if (rows.categorical_fields != model_.spec().categorical_fields || rows.dense_fields != model_.spec().dense_fields) {
        throw std::invalid_argument("the rows have " + std::to_string(rows.categorical_fields) + " categorical and " +
                                    std::to_string(rows.dense_fields) + " dense fields; the model takes " +
                                    std::to_string(model_.spec().categorical_fields) + " and " +
                                    std::to_string(model_.spec().dense_fields));
    }
    if (rows.total_buckets() > store_.host_table().rows()) {
        throw std::invalid_argument("the rows use " + std::to_string(rows.total_buckets()) + " embedding ids; the table has " +
                                    std::to_string(store_.host_table().rows()));
    }
}

CtrEpochResult CtrTrainer::train_epoch(const CtrRows& rows, std::span<const std::int64_t> order,
                                       const std::function<bool(const CtrStepRecord&)>& on_step) {
    check_fields(rows);
    const std::int64_t batch_size = settings_.batch_size;
    const std::int64_t batches = (static_cast<std::int64_t>(order.size()) + batch_size - 1) / batch_size;
    // Each loader owns its mapper; the batch index is the loader's own count.
    return train_batches([&, next = std::int64_t{0}](PipelineBatchFill& fill) mutable {
        if (next >= batches) return false;
        const std::int64_t first = next * batch_size;
        const std::int64_t count = std::min<std::int64_t>(batch_size, static_cast<std::int64_t>(order.size()) - first);
        fill(rows, order.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(count)));
        ++next;
        return true;
    }, on_step);
}

CtrEpochResult CtrTrainer::train_stream(CriteoStream& stream, const CtrRows& fields,
                                        const std::function<bool(const CtrStepRecord&)>& on_step) {
    check_fields(fields);
    CtrRows block;
    std::vector<std::int64_t> identity;
    return train_batches([&](PipelineBatchFill& fill) {
        block.labels.clear();
        block.dense.clear();
        block.categorical.clear();
        const std::int64_t read = stream.read(block, settings_.batch_size);
        if (read == 0) return false;
        if (block.categorical_fields != fields.categorical_fields || block.buckets_per_field != fields.buckets_per_field) {
            throw std::invalid_argument("the streamed rows' fields or buckets differ from the test rows'");
        }
        identity.resize(static_cast<std::size_t>(read));
        std::iota(identity.begin(), identity.end(), 0);
        fill(block, identity);
        return true;
    }, on_step);
}

CtrEpochResult CtrTrainer::train_batches(const BatchSource& next_batch,
                                         const std::function<bool(const CtrStepRecord&)>& on_step) {
    const auto epoch_start = Clock::now();
    const bool pipelined = settings_.pipelined && store_.placement() != EmbeddingPlacement::parameter_server;
    CtrEpochResult result;
    CtrDeviceStep device_step;
    double loss_total = 0;

    BoundedQueue<std::shared_ptr<PipelineBatch>> loaded(static_cast<std::size_t>(settings_.queue_depth));
    BoundedQueue<std::shared_ptr<PipelineBatch>> staged(1);
    // The table manager stages batch s only once batch s - 2 has trained: one batch in flight at most.
    std::mutex finished_mutex;
    std::condition_variable finished_changed;
    std::int64_t finished = 0;
    bool abandoned = false;

    // Returns false when on_step asks to stop.
    auto train = [&](PipelineBatch& batch) {
        const auto started = Clock::now();
        const ConstMatrixView table = store_.gather(batch.staged);
        const double loss = device_step.run(model_, device_, batch.data, table, 1.0f / static_cast<float>(batch.data.rows));
        store_.apply_gradient(batch.staged, device_step.table_gradient());
        optimizer_->adam.step(model_.parameters(), model_.gradients(), settings_.dense_learning_rate);
        device_.synchronize();
        CtrStepRecord record;
        record.step = steps_++;
        record.rows = batch.data.rows;
        record.loss = loss / static_cast<double>(batch.data.rows);
        record.traffic = batch.staged.traffic;
        record.load_seconds = batch.load_seconds;
        record.table_seconds = batch.table_seconds;
        record.device_seconds = seconds_since(started);
        record.loaded_queue_depth = static_cast<std::int64_t>(loaded.depth());
        record.staged_queue_depth = static_cast<std::int64_t>(staged.depth());
        loss_total += loss;
        result.rows += batch.data.rows;
        ++result.steps;
        result.load_seconds += record.load_seconds;
        result.table_seconds += record.table_seconds;
        result.device_seconds += record.device_seconds;
        return on_step ? on_step(record) : true;
    };

    BatchPool pool;
    if (!pipelined) {
        VirtualIdMapper mapper;
        PipelineBatch batch;
        PipelineBatchFill fill = [&](const CtrRows& rows, std::span<const std::int64_t> selected) {
            load_batch(rows, selected, mapper, batch);
        };
        while (next_batch(fill)) {
            const auto started = Clock::now();
            store_.stage(batch.staged);
            batch.table_seconds = seconds_since(started);
            if (!train(batch)) {
                result.stopped = true;
                break;
            }
        }
    } else {
        std::exception_ptr failure;
        std::mutex failure_mutex;
        auto fail = [&](std::exception_ptr error) {
            {
                const std::lock_guard lock(failure_mutex);
                if (!failure) failure = error;
            }
            loaded.abort();
            staged.abort();
            const std::lock_guard lock(finished_mutex);
            abandoned = true;
            finished_changed.notify_all();
        };
        std::thread loader([&] {
            try {
                VirtualIdMapper mapper;
                std::shared_ptr<PipelineBatch> batch;
                PipelineBatchFill fill = [&](const CtrRows& rows, std::span<const std::int64_t> selected) {
                    load_batch(rows, selected, mapper, *batch);
                };
                while (true) {
                    batch = pool.acquire();
                    if (!next_batch(fill)) break;
                    if (!loaded.push(std::move(batch))) return;
                }
                loaded.close();
            } catch (...) {
                fail(std::current_exception());
            }
        });
        std::thread table_manager([&] {
            try {
                std::shared_ptr<PipelineBatch> previous;  // batch s - 1, maybe training now
                std::shared_ptr<PipelineBatch> older;     // batch s - 2, trained once the wait below is over
                for (std::int64_t s = 0;; ++s) {
                    std::optional<std::shared_ptr<PipelineBatch>> next = loaded.pop();
                    if (!next) break;
                    {
                        std::unique_lock lock(finished_mutex);
                        finished_changed.wait(lock, [&] { return finished >= s - 1 || abandoned; });
                        if (abandoned) return;
                    }
                    const auto started = Clock::now();
                    store_.stage((*next)->staged, previous ? &previous->staged : nullptr);
                    (*next)->table_seconds = seconds_since(started);
                    // Batch s - 2 has trained: its buffers can be filled again.
                    if (older) pool.release(std::move(older));
                    older = std::move(previous);
                    previous = *next;
                    if (!staged.push(std::move(*next))) return;
                }
                staged.close();
            } catch (...) {
                fail(std::current_exception());
            }
        });
        try {
            while (std::optional<std::shared_ptr<PipelineBatch>> batch = staged.pop()) {
                const bool go_on = train(**batch);
                {
                    const std::lock_guard lock(finished_mutex);
                    ++finished;
                    finished_changed.notify_all();
                }
                if (!go_on) {
                    result.stopped = true;
                    break;
                }
            }
        } catch (...) {
            fail(std::current_exception());
        }
        if (result.stopped) fail(nullptr);
        loader.join();
        table_manager.join();
        if (failure) std::rethrow_exception(failure);
    }
    result.mean_loss = result.rows > 0 ? loss_total / static_cast<double>(result.rows) : 0.0;
    result.wall_seconds = seconds_since(epoch_start);
    return result;
}

std::vector<double> CtrTrainer::predict(const CtrRows& rows, std::int64_t batch_size) {
    store_.flush();
    HostEmbeddingTable& table = store_.host_table();
    return predict_clicks(model_, device_, rows, batch_size, table.record_floats(),
                          [&](std::span<const std::int64_t> ids, float* records) { table.read_records(ids, records); });
}

}  // namespace tb
