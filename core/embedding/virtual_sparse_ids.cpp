#include "core/embedding/virtual_sparse_ids.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>
#include <string>

namespace tb {

double VirtualSparseIds::duplicate_ratio() const {
    return unique_ids.empty() ? 0.0 : static_cast<double>(positions.size()) / static_cast<double>(unique_ids.size());
}

void VirtualIdMapper::map(std::span<const std::int64_t> ids, VirtualSparseIds& out) {
    out.unique_ids.clear();
    out.positions.resize(ids.size());
    // A table at most half full: probes stay short whatever the batch's duplicate ratio.
    const std::size_t wanted = std::bit_ceil(std::max<std::size_t>(16, 2 * ids.size()));
    if (keys_.size() < wanted) {
        keys_.assign(wanted, -1);
        values_.assign(wanted, 0);
        used_.clear();
    } else {
        for (const std::size_t slot : used_) keys_[slot] = -1;
    }
    used_.clear();
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::int64_t id = ids[i];
        if (id < 0) throw std::invalid_argument("embedding ids must not be negative, got " + std::to_string(id) + " at lookup " + std::to_string(i));
        // Fibonacci hashing spreads consecutive ids over the table.
        std::size_t slot = static_cast<std::size_t>((static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 20) & mask;
        while (keys_[slot] != -1 && keys_[slot] != id) slot = (slot + 1) & mask;
        if (keys_[slot] == -1) {
            if (out.unique_ids.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
                throw std::invalid_argument("a batch holds more than 2^31 - 1 distinct embedding ids");
            }
            keys_[slot] = id;
            values_[slot] = static_cast<std::int32_t>(out.unique_ids.size());
            used_.push_back(slot);
            out.unique_ids.push_back(id);
        }
        out.positions[i] = values_[slot];
    }
}

}  // namespace tb
