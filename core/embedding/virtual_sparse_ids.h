#pragma once
// Virtual sparse ids (ScaleFreeCTR, Guo et al., SIGIR 2021): the distinct ids of one batch's lookups, and
// for every lookup the position of its id among them. A batch then moves each distinct embedding row
// between host and device once, however often it is looked up, and the device works on a compact table of
// the batch's rows addressed by position. With Zipf-distributed ids the hot ids repeat many times in a
// batch, so the saving is the batch's duplicate ratio (lookups / distinct ids).

#include <cstdint>
#include <span>
#include <vector>

namespace tb {

struct VirtualSparseIds {
    std::vector<std::int64_t> unique_ids;  // distinct ids, in order of first lookup
    std::vector<std::int32_t> positions;   // one per lookup: the index of its id in unique_ids

    std::int64_t lookups() const { return static_cast<std::int64_t>(positions.size()); }
    std::int64_t distinct() const { return static_cast<std::int64_t>(unique_ids.size()); }
    // lookups / distinct ids (1 when every id is distinct; 0 for an empty batch).
    double duplicate_ratio() const;
};

// Maps batches of ids to virtual ids, keeping its hash table between batches so that a training loop
// allocates nothing per batch once it has seen its largest one.
class VirtualIdMapper {
public:
    // Ids must be non-negative. Throws std::invalid_argument for a negative id or more than 2^31 - 1
    // distinct ids in one batch.
    void map(std::span<const std::int64_t> ids, VirtualSparseIds& out);

private:
    std::vector<std::int64_t> keys_;     // open addressing, linear probing; -1 marks an empty slot
    std::vector<std::int32_t> values_;
    std::vector<std::size_t> used_;      // slots filled by the current batch, to clear them cheaply
};

}  // namespace tb
