#include "core/data/ctr/ctr_rows.h"

#include <numeric>

namespace tb {

std::int64_t CtrRows::field_offset(int field) const {
    return std::accumulate(buckets_per_field.begin(), buckets_per_field.begin() + field, std::int64_t{0});
}

std::int64_t CtrRows::total_buckets() const {
    return std::accumulate(buckets_per_field.begin(), buckets_per_field.end(), std::int64_t{0});
}

}  // namespace tb
