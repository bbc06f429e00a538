#pragma once
// Which embedding rows a device keeps, and where: the bookkeeping of a device cache of hot rows (ScaleFreeCTR's
// MixCache, Guo et al., SIGIR 2021). A fixed number of slots on the device, a map from id to slot, and a
// policy choosing the row to evict when a batch needs a slot: the least recently used (lru), or the least
// frequently used with the least recently used first among equals (lfu). A batch's own rows are never
// evicted while its plan is made. A row the device updated is dirty: evicting it writes it back to the host
// table first, so the host always gets every update (write-back, not write-through).
//
// The cache moves no bytes itself: a plan says which rows to copy which way, and the embedding store does
// the copies on its backend.

#include <cstdint>
#include <set>
#include <span>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/config/enum_names.h"

namespace tb {

enum class CachePolicy { lru, lfu };
const EnumNames<CachePolicy>& cache_policy_names();

struct CachePlan {
    std::vector<std::int32_t> assigned_slots;       // per distinct id of the batch, in its order: its slot
    std::vector<std::pair<std::int64_t, std::int32_t>> write_backs;  // dirty rows evicted: copy slot -> host first
    std::vector<std::pair<std::int64_t, std::int32_t>> fetches;      // misses: copy host -> slot
    std::int64_t hits = 0;
    std::int64_t misses = 0;
};

class RowCache {
public:
    // Throws std::invalid_argument for a capacity below 1 or above 2^31 - 1.
    RowCache(std::int64_t capacity, CachePolicy policy);

    // Makes every id resident (ids distinct, as virtual sparse ids give them); counts each as one use.
    // Throws std::invalid_argument, changing nothing, when the batch has more distinct ids than the cache
    // has slots or names an id twice.
    CachePlan plan(std::span<const std::int64_t> distinct_ids);
    // The batch's rows were updated on the device.
    void mark_dirty(std::span<const std::int32_t> slots);
    // Every dirty row (id, slot), to write back before the host table is read whole; they are clean after.
    std::vector<std::pair<std::int64_t, std::int32_t>> take_dirty_rows();

    std::int64_t capacity() const { return capacity_; }
    std::int64_t resident() const { return static_cast<std::int64_t>(slot_of_.size()); }
    bool contains(std::int64_t id) const { return slot_of_.count(id) != 0; }
    std::int64_t total_hits() const { return total_hits_; }
    std::int64_t total_misses() const { return total_misses_; }
    std::int64_t total_write_backs() const { return total_write_backs_; }

private:
    // The eviction order: the smallest key goes first. lru: (0, last use); lfu: (uses, last use).
    using Key = std::tuple<std::int64_t, std::int64_t, std::int32_t>;
    Key key_of(std::int32_t slot) const;

    std::int64_t capacity_;
    CachePolicy policy_;
    std::unordered_map<std::int64_t, std::int32_t> slot_of_;
    std::vector<std::int64_t> id_in_slot_;    // -1: free
    std::vector<std::int64_t> uses_;
    std::vector<std::int64_t> last_use_;
    std::vector<bool> dirty_;
    std::vector<std::int64_t> seen_in_batch_;  // the clock of the batch that last named the slot's id
    std::unordered_set<std::int64_t> missing_seen_;
    std::vector<std::int32_t> free_slots_;
    std::set<Key> evictable_;                 // every resident row not in the batch being planned
    std::int64_t clock_ = 0;
    std::int64_t total_hits_ = 0;
    std::int64_t total_misses_ = 0;
    std::int64_t total_write_backs_ = 0;
};

}  // namespace tb
