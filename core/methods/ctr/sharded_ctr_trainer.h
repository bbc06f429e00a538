#pragma once
// Trains a CTR model on a fleet of devices: the dense part data-parallel, the embedding rows sharded by id.
// Every device holds a replica of the dense part (the same initial values) and one shard of the embedding
// table, the ids with id mod devices == its index, in its own EmbeddingStore (host table, device cache).
// A step splits the global batch into one part per device, and
//   1. each device maps its part's ids to virtual ids;
//   2. each shard stages the distinct ids that any device asks of it, once, however many devices ask;
//   3. each device gathers its compact table from the shards' rows (an all-to-all, here through the
//      host), runs forward and backward with the loss scaled by the global batch, and
//   4. sends each row's gradient back to the row's shard, which sums what the devices sent and applies it
//      with the row's optimizer; the dense gradients are summed across devices (an all-reduce, here
//      through the host) and every replica takes the same Adam step, so the replicas stay identical.
// The devices' forward and backward run side by side on threads of their own; the exchange and the shard
// updates run between them. With one device this is the CtrTrainer's step one stage at a time, bit for
// bit; with more, the same step up to the order of float sums.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/backend/backend.h"
#include "core/data/ctr/ctr_rows.h"
#include "core/embedding/embedding_store.h"
#include "core/methods/ctr/ctr_trainer.h"
#include "core/model/ctr_models.h"

namespace tb {

class ShardedCtrTrainer {
public:
    // One backend per device; the store spec is each shard's (its table is addressed by global id, and
    // only the shard's own rows are ever written). Throws as CtrModel, EmbeddingStore and CtrTrainer do.
    ShardedCtrTrainer(const CtrModelSpec& model, const EmbeddingStoreSpec& shard_store, std::vector<Backend*> devices,
                      const CtrTrainerSettings& settings, std::uint64_t seed);
    ~ShardedCtrTrainer();

    // One pass over `rows` in `order` in global batches of settings.batch_size rows; on_step as CtrTrainer's
    // (the record's stage times: loading, the shards' table work with the exchange, the devices' compute).
    CtrEpochResult train_epoch(const CtrRows& rows, std::span<const std::int64_t> order,
                               const std::function<bool(const CtrStepRecord&)>& on_step = {});
    std::vector<double> predict(const CtrRows& rows, std::int64_t batch_size = 8192);

    std::size_t devices() const { return workers_.size(); }
    CtrModel& replica(std::size_t device);
    EmbeddingStore& shard(std::size_t device);
    // Every shard's traffic, summed (a shard's lookups count the devices asking for each of its rows).
    EmbeddingTraffic total_traffic() const;

private:
    struct Worker;
    std::vector<std::unique_ptr<Worker>> workers_;
    CtrTrainerSettings settings_;
    std::int64_t steps_ = 0;
};

}  // namespace tb
