#include "core/embedding/row_cache.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace tb {

const EnumNames<CachePolicy>& cache_policy_names() {
    static const EnumNames<CachePolicy> names{{CachePolicy::lru, "lru"}, {CachePolicy::lfu, "lfu"}};
    return names;
}

RowCache::RowCache(std::int64_t capacity, CachePolicy policy) : capacity_(capacity), policy_(policy) {
    if (capacity < 1 || capacity > std::numeric_limits<std::int32_t>::max()) {
        throw std::invalid_argument("a row cache holds between 1 and 2^31 - 1 rows, asked for " + std::to_string(capacity));
    }
    const auto slots = static_cast<std::size_t>(capacity);
    id_in_slot_.assign(slots, -1);
    uses_.assign(slots, 0);
    last_use_.assign(slots, 0);
    seen_in_batch_.assign(slots, 0);
    dirty_.assign(slots, false);
    free_slots_.reserve(slots);
    for (std::int64_t slot = capacity - 1; slot >= 0; --slot) free_slots_.push_back(static_cast<std::int32_t>(slot));
    slot_of_.reserve(slots);
}

RowCache::Key RowCache::key_of(std::int32_t slot) const {
    const auto s = static_cast<std::size_t>(slot);
    return {policy_ == CachePolicy::lfu ? uses_[s] : 0, last_use_[s], slot};
}

CachePlan RowCache::plan(std::span<const std::int64_t> distinct_ids) {
    if (static_cast<std::int64_t>(distinct_ids.size()) > capacity_) {
        throw std::invalid_argument("a batch needs " + std::to_string(distinct_ids.size()) + " distinct embedding rows but the "
                                    "device cache holds " + std::to_string(capacity_) + ": raise the cache capacity");
    }
    ++clock_;
    // Distinct ids are the caller's promise; a broken one is refused before anything changes.
    missing_seen_.clear();
    for (const std::int64_t id : distinct_ids) {
        const auto found = slot_of_.find(id);
        const bool repeated = found != slot_of_.end() ? std::exchange(seen_in_batch_[static_cast<std::size_t>(found->second)], clock_) == clock_
                                                      : !missing_seen_.insert(id).second;
        if (repeated) throw std::invalid_argument("id " + std::to_string(id) + " appears twice in a batch's distinct ids");
    }
    CachePlan plan;
    plan.assigned_slots.assign(distinct_ids.size(), -1);
    // Hits first: taken out of the eviction order, so that the batch's own rows cannot be chosen below.
    for (std::size_t i = 0; i < distinct_ids.size(); ++i) {
        const auto found = slot_of_.find(distinct_ids[i]);
        if (found == slot_of_.end()) continue;
        evictable_.erase(key_of(found->second));
        plan.assigned_slots[i] = found->second;
        ++plan.hits;
    }
    for (std::size_t i = 0; i < distinct_ids.size(); ++i) {
        if (plan.assigned_slots[i] != -1) continue;
        std::int32_t slot = 0;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
        } else {
            slot = std::get<2>(*evictable_.begin());
            evictable_.erase(evictable_.begin());
            const auto s = static_cast<std::size_t>(slot);
            if (dirty_[s]) {
                plan.write_backs.emplace_back(id_in_slot_[s], slot);
                ++total_write_backs_;
            }
            slot_of_.erase(id_in_slot_[s]);
        }
        const auto s = static_cast<std::size_t>(slot);
        id_in_slot_[s] = distinct_ids[i];
        uses_[s] = 0;
        dirty_[s] = false;
        slot_of_.emplace(distinct_ids[i], slot);
        plan.fetches.emplace_back(distinct_ids[i], slot);
        plan.assigned_slots[i] = slot;
        ++plan.misses;
    }
    for (const std::int32_t slot : plan.assigned_slots) {
        const auto s = static_cast<std::size_t>(slot);
        ++uses_[s];
        last_use_[s] = clock_;
        evictable_.insert(key_of(slot));
    }
    total_hits_ += plan.hits;
    total_misses_ += plan.misses;
    return plan;
}

void RowCache::mark_dirty(std::span<const std::int32_t> slots) {
    for (const std::int32_t slot : slots) dirty_[static_cast<std::size_t>(slot)] = true;
}

std::vector<std::pair<std::int64_t, std::int32_t>> RowCache::take_dirty_rows() {
    std::vector<std::pair<std::int64_t, std::int32_t>> rows;
    for (std::size_t s = 0; s < dirty_.size(); ++s) {
        if (!dirty_[s]) continue;
        rows.emplace_back(id_in_slot_[s], static_cast<std::int32_t>(s));
        dirty_[s] = false;
    }
    return rows;
}

}  // namespace tb
