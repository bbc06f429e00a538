#pragma once
// Where a CTR model's embedding rows live while it trains, and how they move (ScaleFreeCTR, Guo et al.,
// SIGIR 2021). The model sees one thing whatever the placement: per batch, a compact table on its device
// holding each distinct row of the batch once (virtual sparse ids), and after its backward it hands back
// the compact gradient. Placements:
//   cached            the whole table on the host (HostEmbeddingTable), a cache of hot rows on the device
//                     (RowCache: LRU or LFU, write-back); a batch's misses are fetched, evicted dirty rows
//                     written back first, and every distinct row is updated in its device slot;
//   parameter_server  no device copy kept: every step pulls the batch's distinct rows from the host and
//                     pushes their gradient back, the host updating them (the baseline ScaleFreeCTR beats);
//   all_on_device     every row on the device: a cache as large as the table, which never evicts. Refused
//                     when the table does not fit the device's memory limit.
// Rows are updated by the row optimizer (core/backend/row_optimizer.h) in every placement, so cached and
// all_on_device training are the same computation bit for bit on one backend; only the bytes moved differ.
// On the CPU backend, whose lazy_row_update runs update_row itself, they are also the parameter server's.
//
// The device side is the backend's own operations on its own memory, so the store runs on any backend: a
// batch's slot indices go to the device once, where gather_rows lends the batch its rows and
// lazy_row_update updates them in their slots; misses arrive as one copy of their records scattered into
// their slots (scatter_rows), and evicted rows leave as one gather and one copy back.

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "core/backend/backend.h"
#include "core/backend/device_buffer.h"
#include "core/config/enum_names.h"
#include "core/embedding/host_embedding_table.h"
#include "core/embedding/row_cache.h"
#include "core/embedding/virtual_sparse_ids.h"

namespace tb {

enum class EmbeddingPlacement { cached, parameter_server, all_on_device };
const EnumNames<EmbeddingPlacement>& embedding_placement_names();

struct EmbeddingStoreSpec {
    HostTableSpec table;
    EmbeddingPlacement placement = EmbeddingPlacement::cached;
    std::int64_t cache_rows = 100000;  // cached: the device cache's capacity
    CachePolicy policy = CachePolicy::lru;
};

// What one batch moved; the store also keeps the totals.
struct EmbeddingTraffic {
    std::int64_t lookups = 0;
    std::int64_t distinct_rows = 0;
    std::int64_t hits = 0;    // distinct rows found on the device
    std::int64_t misses = 0;  // distinct rows fetched from the host
    std::int64_t write_backs = 0;
    std::int64_t bytes_host_to_device = 0;
    std::int64_t bytes_device_to_host = 0;

    EmbeddingTraffic& operator+=(const EmbeddingTraffic& other);
    EmbeddingTraffic& operator-=(const EmbeddingTraffic& other);  // what moved since an earlier total
};

// One batch on its way through a pipelined trainer: its virtual sparse ids (mapped by the loader), and
// what the table manager staged for it.
struct StagedBatch {
    VirtualSparseIds ids;
    std::vector<std::int32_t> device_slots;  // cached and all_on_device: the device slot of each distinct row
    DeviceBuffer<std::int32_t> device_slot_indices;  // the same, in device memory (grown as batches need)
    std::vector<float> pulled;        // parameter_server: the distinct rows' values, pulled from the host
    EmbeddingTraffic traffic;
};

class EmbeddingStore {
public:
    // Throws as HostEmbeddingTable does, and DeviceError when the device rows do not fit.
    EmbeddingStore(const EmbeddingStoreSpec& spec, Backend& device);

    // The batch's compact table (distinct rows x dim, on the device; row k holds virtual id k) and, per
    // lookup, its virtual id. Valid until the next prepare.
    struct Prepared {
        ConstMatrixView compact_rows;
        const VirtualSparseIds* ids = nullptr;
        EmbeddingTraffic traffic;
    };
    const Prepared& prepare(std::span<const std::int64_t> lookups);
    // The compact gradient (distinct rows x dim, on the device) of the batch last prepared.
    void apply_gradient(ConstMatrixView compact_gradient);
    // Writes every row updated on the device back to the host table (before reading or saving it whole).
    void flush();

    // prepare and apply_gradient in the halves a pipelined trainer runs on two threads (ScaleFreeCTR's
    // host table manager and device worker):
    //   stage           (table manager) plans the batch's distinct rows into the cache with the rows of
    //                   `in_flight` pinned, writes evicted dirty rows back and fetches the misses; the
    //                   parameter-server placement pulls the rows' values instead;
    //   gather          (device worker) the batch's compact table from its slots, valid until the next gather;
    //   apply_gradient  (device worker) updates the batch's rows where they lie.
    // A batch may be staged while the one before it trains, never further ahead: every planned row is
    // marked dirty when it is staged, and only a row no batch in flight holds can be written back, so the
    // host gets each row after its last update. The parameter-server placement is not for pipelining:
    // its pull for one batch would race the host update of the one before.
    void stage(StagedBatch& batch, const StagedBatch* in_flight = nullptr);
    ConstMatrixView gather(const StagedBatch& batch);
    void apply_gradient(StagedBatch& batch, ConstMatrixView compact_gradient);
    EmbeddingPlacement placement() const { return spec_.placement; }

    HostEmbeddingTable& host_table() { return table_; }
    const EmbeddingTraffic& total_traffic() const { return total_; }
    int dim() const { return table_.dim(); }

private:
    // The cache slots as a matrix of records.
    MatrixView slot_records();
    // Splits (id, slot) pairs into transfer_ids_ and the device's transfer_slots_, sizes the transfer
    // buffers and staging_ for their records, and returns the device records as a matrix.
    MatrixView stage_transfer(const std::vector<std::pair<std::int64_t, std::int32_t>>& rows);
    // The records in the listed slots go to the host table as the listed ids (evicted or flushed rows).
    void write_back(const std::vector<std::pair<std::int64_t, std::int32_t>>& rows);
    // The listed ids' records come from the host table into the listed slots (misses).
    void fetch(const std::vector<std::pair<std::int64_t, std::int32_t>>& rows);
    void ensure_compact_capacity(std::int64_t rows);

    EmbeddingStoreSpec spec_;
    Backend& device_;
    HostEmbeddingTable table_;
    std::unique_ptr<RowCache> cache_;     // cached and all_on_device
    DeviceBuffer<float> slots_;           // cache capacity x record floats
    DeviceBuffer<float> compact_;         // distinct rows x dim, grown as batches need
    std::vector<float> staging_;          // host records in flight
    // The table manager's own device buffers (stage and flush): records on their way in or out, and
    // the slots they go to or come from.
    DeviceBuffer<float> transfer_records_;
    DeviceBuffer<std::int32_t> transfer_slots_;
    std::vector<std::int64_t> transfer_ids_;
    std::vector<std::int32_t> transfer_slot_list_;
    VirtualIdMapper mapper_;
    StagedBatch current_;  // prepare's batch
    Prepared prepared_;
    EmbeddingTraffic total_;
};

}  // namespace tb
