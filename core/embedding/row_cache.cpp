#include "core/embedding/row_cache.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace tb {

const EnumNames<CachePolicy>& cache_policy_names() {
    static const EnumNames<CachePolicy> names{{CachePolicy::lru, "lru"}, {CachePolicy::lfu, "lfu"}};
    return names;
}

namespace {

std::size_t home_of(std::int64_t id, std::size_t mask) {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

}  // namespace

RowCache::RowCache(std::int64_t capacity, CachePolicy policy) : capacity_(capacity), policy_(policy) {
    if (capacity < 1 || capacity > (std::int64_t{1} << 30)) {
        throw std::invalid_argument("a row cache holds between 1 and 2^30 rows, asked for " + std::to_string(capacity));
    }
    const auto slots = static_cast<std::size_t>(capacity);
    // The map at most half full, so that probes stay short.
    const std::size_t entries = std::bit_ceil(2 * slots + 2);
    keys_.assign(entries, -1);
    values_.assign(entries, 0);
    mask_ = entries - 1;
    id_in_slot_.assign(slots, -1);
    uses_.assign(slots, 0);
    dirty_.assign(slots, 0);
    seen_in_batch_.assign(slots, 0);
    previous_slot_.assign(slots, -1);
    next_slot_.assign(slots, -1);
    bucket_of_slot_.assign(slots, -1);
    free_slots_.reserve(slots);
    for (std::int64_t slot = capacity - 1; slot >= 0; --slot) free_slots_.push_back(static_cast<std::int32_t>(slot));
}

std::int64_t RowCache::find_entry(std::int64_t id) const {
    for (std::size_t i = home_of(id, mask_);; i = (i + 1) & mask_) {
        if (keys_[i] == id) return values_[i];
        if (keys_[i] == -1) return -1;
    }
}

void RowCache::insert_entry(std::int64_t id, std::int32_t slot) {
    std::size_t i = home_of(id, mask_);
    while (keys_[i] != -1) i = (i + 1) & mask_;
    keys_[i] = id;
    values_[i] = slot;
}

void RowCache::erase_entry(std::int64_t id) {
    std::size_t hole = home_of(id, mask_);
    while (keys_[hole] != id) hole = (hole + 1) & mask_;
    keys_[hole] = -1;
    // Backward shift: an entry further along the run moves into the hole unless its home lies cyclically
    // after the hole (then it is reachable without passing the hole).
    for (std::size_t j = (hole + 1) & mask_; keys_[j] != -1; j = (j + 1) & mask_) {
        const std::size_t home = home_of(keys_[j], mask_);
        const bool home_after_hole = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (home_after_hole) continue;
        keys_[hole] = keys_[j];
        values_[hole] = values_[j];
        keys_[j] = -1;
        hole = j;
    }
}

void RowCache::unlink_slot(std::int32_t slot) {
    const auto s = static_cast<std::size_t>(slot);
    const std::int32_t b = bucket_of_slot_[s];
    Bucket& bucket = buckets_[static_cast<std::size_t>(b)];
    const std::int32_t before = previous_slot_[s];
    const std::int32_t after = next_slot_[s];
    if (before >= 0) next_slot_[static_cast<std::size_t>(before)] = after; else bucket.first = after;
    if (after >= 0) previous_slot_[static_cast<std::size_t>(after)] = before; else bucket.last = before;
    bucket_of_slot_[s] = -1;
    if (bucket.first >= 0) return;
    // An empty bucket leaves the order.
    if (bucket.previous >= 0) buckets_[static_cast<std::size_t>(bucket.previous)].next = bucket.next; else lowest_bucket_ = bucket.next;
    if (bucket.next >= 0) buckets_[static_cast<std::size_t>(bucket.next)].previous = bucket.previous; else highest_bucket_ = bucket.previous;
    bucket_of_key_.erase(bucket.key);
    free_buckets_.push_back(b);
}

std::int32_t RowCache::new_bucket(std::int64_t key, std::int32_t before) {
    std::int32_t b = 0;
    if (!free_buckets_.empty()) {
        b = free_buckets_.back();
        free_buckets_.pop_back();
    } else {
        b = static_cast<std::int32_t>(buckets_.size());
        buckets_.emplace_back();
    }
    Bucket& bucket = buckets_[static_cast<std::size_t>(b)];
    bucket = Bucket{key, -1, -1, -1, -1};
    if (before < 0) {
        bucket.previous = highest_bucket_;
        if (highest_bucket_ >= 0) buckets_[static_cast<std::size_t>(highest_bucket_)].next = b; else lowest_bucket_ = b;
        highest_bucket_ = b;
    } else {
        Bucket& successor = buckets_[static_cast<std::size_t>(before)];
        bucket.next = before;
        bucket.previous = successor.previous;
        if (successor.previous >= 0) buckets_[static_cast<std::size_t>(successor.previous)].next = b; else lowest_bucket_ = b;
        successor.previous = b;
    }
    bucket_of_key_[key] = b;
    return b;
}

void RowCache::append_slot(std::int32_t b, std::int32_t slot) {
    Bucket& bucket = buckets_[static_cast<std::size_t>(b)];
    const auto s = static_cast<std::size_t>(slot);
    previous_slot_[s] = bucket.last;
    next_slot_[s] = -1;
    if (bucket.last >= 0) next_slot_[static_cast<std::size_t>(bucket.last)] = slot; else bucket.first = slot;
    bucket.last = slot;
    bucket_of_slot_[s] = b;
}

void RowCache::reinsert(const std::vector<std::int32_t>& slots) {
    const auto key_of = [&](std::int32_t slot) { return policy_ == CachePolicy::lfu ? uses_[static_cast<std::size_t>(slot)] : 0; };
    // The batch's distinct keys in increasing order, then one walk along the buckets placing each.
    std::vector<std::int64_t> keys;
    for (const std::int32_t slot : slots) keys.push_back(key_of(slot));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::int32_t walk = lowest_bucket_;
    for (const std::int64_t key : keys) {
        while (walk >= 0 && buckets_[static_cast<std::size_t>(walk)].key < key) walk = buckets_[static_cast<std::size_t>(walk)].next;
        if (walk < 0 || buckets_[static_cast<std::size_t>(walk)].key != key) new_bucket(key, walk);
    }
    for (const std::int32_t slot : slots) append_slot(bucket_of_key_.at(key_of(slot)), slot);
}

CachePlan RowCache::plan(std::span<const std::int64_t> distinct_ids, std::span<const std::int32_t> pinned) {
    if (static_cast<std::int64_t>(distinct_ids.size()) > capacity_) {
        throw std::invalid_argument("a batch needs " + std::to_string(distinct_ids.size()) + " distinct embedding rows but the "
                                    "device cache holds " + std::to_string(capacity_) + ": raise the cache capacity");
    }
    ++clock_;
    // Distinct, non-negative ids are the caller's promise; a broken one is refused before anything changes.
    missing_ids_.clear();
    for (const std::int64_t id : distinct_ids) {
        if (id < 0) throw std::invalid_argument("embedding ids must not be negative, got " + std::to_string(id));
        const std::int64_t slot = find_entry(id);
        if (slot >= 0) {
            if (std::exchange(seen_in_batch_[static_cast<std::size_t>(slot)], clock_) == clock_) {
                throw std::invalid_argument("id " + std::to_string(id) + " appears twice in a batch's distinct ids");
            }
        } else {
            missing_ids_.push_back(id);
        }
    }
    std::sort(missing_ids_.begin(), missing_ids_.end());
    if (std::adjacent_find(missing_ids_.begin(), missing_ids_.end()) != missing_ids_.end()) {
        throw std::invalid_argument("id " + std::to_string(*std::adjacent_find(missing_ids_.begin(), missing_ids_.end())) +
                                    " appears twice in a batch's distinct ids");
    }

    // Pinned rows the batch does not name take slots of their own.
    std::vector<std::int32_t> pinned_elsewhere;
    for (const std::int32_t slot : pinned) {
        if (slot < 0 || slot >= capacity_ || id_in_slot_[static_cast<std::size_t>(slot)] < 0) {
            throw std::invalid_argument("pinned slot " + std::to_string(slot) + " holds no row");
        }
        if (seen_in_batch_[static_cast<std::size_t>(slot)] != clock_) pinned_elsewhere.push_back(slot);
    }
    if (static_cast<std::int64_t>(distinct_ids.size() + pinned_elsewhere.size()) > capacity_) {
        // The marks of the check above are this plan's clock only, which the next plan moves past.
        throw std::invalid_argument("a batch needs " + std::to_string(distinct_ids.size()) + " distinct embedding rows while " +
                                    std::to_string(pinned_elsewhere.size()) + " more are pinned by the batch in flight, but the "
                                    "device cache holds " + std::to_string(capacity_) + ": raise the cache capacity to at "
                                    "least two batches' distinct rows");
    }

    CachePlan plan;
    plan.assigned_slots.assign(distinct_ids.size(), -1);
    for (const std::int32_t slot : pinned_elsewhere) unlink_slot(slot);
    // Hits first, taken out of the eviction order, so that the batch's own rows cannot be chosen below.
    for (std::size_t i = 0; i < distinct_ids.size(); ++i) {
        const std::int64_t slot = find_entry(distinct_ids[i]);
        if (slot < 0) continue;
        unlink_slot(static_cast<std::int32_t>(slot));
        plan.assigned_slots[i] = static_cast<std::int32_t>(slot);
        ++plan.hits;
    }
    for (std::size_t i = 0; i < distinct_ids.size(); ++i) {
        if (plan.assigned_slots[i] != -1) continue;
        std::int32_t slot = 0;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
            ++resident_;
        } else {
            slot = buckets_[static_cast<std::size_t>(lowest_bucket_)].first;
            unlink_slot(slot);
            const auto s = static_cast<std::size_t>(slot);
            if (dirty_[s] != 0) {
                plan.write_backs.emplace_back(id_in_slot_[s], slot);
                ++total_write_backs_;
            }
            erase_entry(id_in_slot_[s]);
        }
        const auto s = static_cast<std::size_t>(slot);
        id_in_slot_[s] = distinct_ids[i];
        uses_[s] = 0;
        dirty_[s] = 0;
        insert_entry(distinct_ids[i], slot);
        plan.fetches.emplace_back(distinct_ids[i], slot);
        plan.assigned_slots[i] = slot;
        ++plan.misses;
    }
    for (const std::int32_t slot : plan.assigned_slots) ++uses_[static_cast<std::size_t>(slot)];
    // The pinned rows go back first, with their use counts unchanged: the order is the one planning
    // without pins would have left, less the evictions the pins prevented.
    reinsert(pinned_elsewhere);
    reinsert(plan.assigned_slots);
    total_hits_ += plan.hits;
    total_misses_ += plan.misses;
    return plan;
}

void RowCache::mark_dirty(std::span<const std::int32_t> slots) {
    for (const std::int32_t slot : slots) dirty_[static_cast<std::size_t>(slot)] = 1;
}

std::vector<std::pair<std::int64_t, std::int32_t>> RowCache::take_dirty_rows() {
    std::vector<std::pair<std::int64_t, std::int32_t>> rows;
    for (std::size_t s = 0; s < dirty_.size(); ++s) {
        if (dirty_[s] == 0) continue;
        rows.emplace_back(id_in_slot_[s], static_cast<std::int32_t>(s));
        dirty_[s] = 0;
    }
    return rows;
}

}  // namespace tb
