#include "core/data/graph/graph_collection_fingerprint.h"

#include <cstdint>
#include <cstdio>
#include <span>

namespace tb {

namespace {

class Fnv1a {
public:
    template <typename T>
    void add(std::span<const T> values) {
        const std::uint64_t count = values.size();
        add_bytes(&count, sizeof count);  // so that moving data between arrays changes the fingerprint
        add_bytes(values.data(), values.size_bytes());
    }
    std::uint64_t value() const { return hash_; }

private:
    void add_bytes(const void* data, std::size_t size) {
        const auto* bytes = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) {
            hash_ ^= bytes[i];
            hash_ *= 0x100000001b3ULL;
        }
    }
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string graph_collection_fingerprint(const GraphCollection& collection) {
    Fnv1a hash;
    hash.add(std::span<const std::int64_t>(collection.graph_offsets));
    hash.add(std::span<const std::int64_t>(collection.adjacency.row_offsets));
    hash.add(std::span<const std::int32_t>(collection.adjacency.column_indices));
    hash.add(std::span<const float>(collection.adjacency.values));
    hash.add(std::span<const std::int32_t>(collection.node_labels));
    hash.add(std::span<const std::int64_t>(collection.node_label_values));
    hash.add(std::span<const float>(collection.node_attributes.values));
    hash.add(std::span<const std::int32_t>(collection.graph_labels));
    hash.add(std::span<const std::int64_t>(collection.graph_label_values));
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash.value()));
    return text;
}

}  // namespace tb
