#pragma once
// Which embedding rows a device keeps, and where: the bookkeeping of a device cache of hot rows (ScaleFreeCTR's
// MixCache, Guo et al., SIGIR 2021). A fixed number of slots on the device, a map from id to slot, and a
// policy choosing the row to evict when a batch needs a slot: the least recently used (lru), or the least
// frequently used with the least recently used first among equals (lfu); rows last used by the same batch
// go in the order that batch named them. A batch's own rows are never evicted while its plan is made. A row
// the device updated is dirty: evicting it writes it back to the host table first, so the host always gets
// every update (write-back, not write-through).
//
// Every operation is constant time per row (amortized; LFU adds a sort of the distinct use counts of a
// batch): an open-addressing map from id to slot, and the eviction order as buckets of equal use count
// (one bucket under lru), each a list of slots in order of last use. The cache moves no bytes itself: a
// plan says which rows to copy which way, and the embedding store does the copies on its backend.

#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config/enum_names.h"

namespace tb {

enum class CachePolicy { lru, lfu };
const EnumNames<CachePolicy>& cache_policy_names();

struct CachePlan {
    std::vector<std::int32_t> assigned_slots;                        // per distinct id of the batch, in its order
    std::vector<std::pair<std::int64_t, std::int32_t>> write_backs;  // dirty rows evicted: copy slot -> host first
    std::vector<std::pair<std::int64_t, std::int32_t>> fetches;      // misses: copy host -> slot
    std::int64_t hits = 0;
    std::int64_t misses = 0;
};

class RowCache {
public:
    // Throws std::invalid_argument for a capacity below 1 or above 2^30.
    RowCache(std::int64_t capacity, CachePolicy policy);

    // Makes every id resident (ids distinct and non-negative, as virtual sparse ids give them); counts each
    // as one use. `pinned` are slots that must stay (a pipelined trainer's batch still training on them):
    // they are not evicted and keep their place in the eviction order. Throws std::invalid_argument,
    // changing nothing, when the batch and the pinned rows need more slots than the cache has, the batch
    // names an id twice, or holds a negative id.
    CachePlan plan(std::span<const std::int64_t> distinct_ids, std::span<const std::int32_t> pinned = {});
    // The batch's rows were updated on the device.
    void mark_dirty(std::span<const std::int32_t> slots);
    // Every dirty row (id, slot), to write back before the host table is read whole; they are clean after.
    std::vector<std::pair<std::int64_t, std::int32_t>> take_dirty_rows();

    std::int64_t capacity() const { return capacity_; }
    std::int64_t resident() const { return resident_; }
    bool contains(std::int64_t id) const { return find_entry(id) >= 0; }
    std::int64_t total_hits() const { return total_hits_; }
    std::int64_t total_misses() const { return total_misses_; }
    std::int64_t total_write_backs() const { return total_write_backs_; }

private:
    // The id -> slot map: linear probing, deletion by backward shift (no tombstones).
    std::int64_t find_entry(std::int64_t id) const;
    void insert_entry(std::int64_t id, std::int32_t slot);
    void erase_entry(std::int64_t id);

    // The eviction order: buckets of one key (use count under lfu, 0 under lru) in increasing key, each
    // listing its slots from least to most recently used.
    struct Bucket {
        std::int64_t key = 0;
        std::int32_t first = -1;
        std::int32_t last = -1;
        std::int32_t previous = -1;
        std::int32_t next = -1;
    };
    void unlink_slot(std::int32_t slot);
    std::int32_t new_bucket(std::int64_t key, std::int32_t before);  // before -1: at the end
    void append_slot(std::int32_t bucket, std::int32_t slot);
    // Puts the batch's slots back into the order, each under its new key, in batch order within a key.
    void reinsert(const std::vector<std::int32_t>& slots);

    std::int64_t capacity_;
    CachePolicy policy_;
    std::vector<std::int64_t> keys_;    // map: -1 marks an empty entry
    std::vector<std::int32_t> values_;
    std::size_t mask_ = 0;
    std::vector<std::int64_t> id_in_slot_;  // -1: free
    std::vector<std::int64_t> uses_;
    std::vector<std::uint8_t> dirty_;
    std::vector<std::int64_t> seen_in_batch_;  // the clock of the batch that last named the slot's id
    std::vector<std::int32_t> previous_slot_;
    std::vector<std::int32_t> next_slot_;
    std::vector<std::int32_t> bucket_of_slot_;  // -1 while the slot is free or in the batch being planned
    std::vector<Bucket> buckets_;
    std::vector<std::int32_t> free_buckets_;
    std::int32_t lowest_bucket_ = -1;
    std::int32_t highest_bucket_ = -1;
    std::unordered_map<std::int64_t, std::int32_t> bucket_of_key_;
    std::vector<std::int32_t> free_slots_;
    std::vector<std::int64_t> missing_ids_;  // scratch: the batch's misses, to check them for repeats
    std::int64_t resident_ = 0;
    std::int64_t clock_ = 0;
    std::int64_t total_hits_ = 0;
    std::int64_t total_misses_ = 0;
    std::int64_t total_write_backs_ = 0;
};

}  // namespace tb
