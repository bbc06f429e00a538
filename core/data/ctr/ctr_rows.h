#pragma once
// Click-through rows (DataShape::ctr): per row a click label, dense fields and categorical fields. A
// categorical value is stored as its bucket within its field (0: missing); a model's embedding tables see
// field f's bucket b as the global id field_offset(f) + b, so every field keeps its own rows of one table.

#include <cstdint>
#include <string>
#include <vector>

namespace tb {

struct CtrRows {
    int dense_fields = 0;
    int categorical_fields = 0;
    std::vector<std::int64_t> buckets_per_field;  // categorical_fields entries, each >= 2 (bucket 0: missing)
    std::vector<float> labels;                    // 0 or 1, one per row
    std::vector<float> dense;                     // rows x dense_fields, row-major
    std::vector<std::uint32_t> categorical;       // rows x categorical_fields, buckets within each field

    std::int64_t rows() const { return static_cast<std::int64_t>(labels.size()); }
    // The first global id of field f: the sum of the bucket counts of the fields before it.
    std::int64_t field_offset(int field) const;
    // The number of global ids: the sum of every field's buckets.
    std::int64_t total_buckets() const;
};

}  // namespace tb
