#pragma once
// Trains a CTR model (core/model/ctr_models.h) whose embedding rows live in an EmbeddingStore, the way
// ScaleFreeCTR (Guo et al., SIGIR 2021) overlaps its work: three stages on bounded queues
// (core/methods/ctr/bounded_queue.h),
//   loader         gathers a batch's rows (labels, dense fields, global ids) and maps its ids to virtual
//                  sparse ids, building the bag lookups;
//   table manager  stages the batch's rows in the store (cache plan, write-backs, fetches from the host
//                  table), at most one batch ahead of the one training, whose rows stay pinned;
//   device worker  (the calling thread) gathers the compact table, runs forward and backward, updates the
//                  batch's rows where they lie and the dense part with Adam.
// Every batch reads each of its rows after the previous batch's update of it, so a pipelined run computes
// what the same run one stage at a time computes, bit for bit. The parameter-server placement runs one
// stage at a time: its pull for one batch would race the host update of the one before.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/backend/backend.h"
#include "core/data/ctr/criteo_reader.h"
#include "core/data/ctr/ctr_rows.h"
#include "core/embedding/embedding_store.h"
#include "core/model/ctr_models.h"

namespace tb {

struct CtrTrainerSettings {
    std::int64_t batch_size = 4096;
    bool pipelined = true;
    int queue_depth = 4;                 // batches the loader may run ahead
    float dense_learning_rate = 1e-3f;   // Adam on the towers and the dense fields' weights
};

// What one step did, reported on the device worker's thread after the step.
struct CtrStepRecord {
    std::int64_t step = 0;            // counted over the trainer's life
    std::int64_t rows = 0;
    double loss = 0;                  // mean log loss of the batch
    EmbeddingTraffic traffic;
    double load_seconds = 0;          // the loader's work on this batch
    double table_seconds = 0;         // the table manager's
    double device_seconds = 0;        // the device worker's
    std::int64_t loaded_queue_depth = 0;  // batches waiting for the table manager when this one trained
    std::int64_t staged_queue_depth = 0;  // batches waiting for the device worker
};

struct CtrEpochResult {
    std::int64_t steps = 0;
    std::int64_t rows = 0;
    double mean_loss = 0;
    double wall_seconds = 0;
    double load_seconds = 0, table_seconds = 0, device_seconds = 0;  // busy time of each stage
    bool stopped = false;  // on_step asked to stop
};

class CtrTrainer {
public:
    // The store's rows must be ctr_embedding_width(model.spec()) wide and its table hold every id of the
    // rows it will train on; throws std::invalid_argument otherwise.
    CtrTrainer(CtrModel& model, EmbeddingStore& store, Backend& device, const CtrTrainerSettings& settings);

    // One pass over `rows` in `order` (row indices); on_step returns false to stop after that step, and may
    // throw (a diverged loss: the record's loss is not finite), which ends the pass and reaches the caller.
    CtrEpochResult train_epoch(const CtrRows& rows, std::span<const std::int64_t> order,
                               const std::function<bool(const CtrStepRecord&)>& on_step = {});
    // One pass over a file, read a batch at a time as the loader needs it (a file larger than memory);
    // `fields` are rows with the stream's fields and buckets (the test rows). Rows train in file order.
    CtrEpochResult train_stream(CriteoStream& stream, const CtrRows& fields,
                                const std::function<bool(const CtrStepRecord&)>& on_step = {});
    // Click probabilities for every row, from the current parameters (flushes the store first).
    std::vector<double> predict(const CtrRows& rows, std::int64_t batch_size = 8192);

    // The loader's hand on a batch: fill it with these rows of these rows.
    using PipelineBatchFill = std::function<void(const CtrRows& rows, std::span<const std::int64_t> selected)>;
    // Fills the next batch through `fill` and returns true, or returns false at the end of the pass.
    using BatchSource = std::function<bool(PipelineBatchFill& fill)>;

private:
    void check_fields(const CtrRows& rows) const;
    CtrEpochResult train_batches(const BatchSource& next_batch, const std::function<bool(const CtrStepRecord&)>& on_step);

    CtrModel& model_;
    EmbeddingStore& store_;
    Backend& device_;
    CtrTrainerSettings settings_;
    struct DenseOptimizer;
    std::shared_ptr<DenseOptimizer> optimizer_;
    std::int64_t steps_ = 0;
};

}  // namespace tb
