#include "core/data/batch.h"

#include "core/backend/memory_category.h"

#include <algorithm>

namespace tb {

HostBatch make_batch(const Dataset& data, std::span<const std::int64_t> sample_rows) {
    HostBatch batch;
    batch.sparse_features = data.sparse_features;
    batch.labels = data.labels.gather_rows(sample_rows);
    if (!data.sparse_features) {
        batch.dense = data.dense.gather_rows(sample_rows);
        return batch;
    }
    batch.sparse = data.sparse.gather_rows(sample_rows);
    batch.touched_features = batch.sparse.column_indices;
    std::sort(batch.touched_features.begin(), batch.touched_features.end());
    batch.touched_features.erase(std::unique(batch.touched_features.begin(), batch.touched_features.end()),
                                 batch.touched_features.end());
    batch.compact_column_index.resize(batch.sparse.column_indices.size());
    for (std::size_t k = 0; k < batch.sparse.column_indices.size(); ++k) {
        const auto position = std::lower_bound(batch.touched_features.begin(), batch.touched_features.end(),
                                               batch.sparse.column_indices[k]);
        batch.compact_column_index[k] = static_cast<std::int32_t>(position - batch.touched_features.begin());
    }
    return batch;
}

void DeviceBatch::upload(Backend& backend, const HostBatch& host) {
    sparse_features = host.sparse_features;
    size = host.size();
    loss_rows = host.rows_in_loss();
    loss_label_entries = host.labels.row_offsets[static_cast<std::size_t>(loss_rows)];
    labels.upload(backend, host.labels);
    has_graph = host.has_graph();
    if (has_graph) {
        const MemoryCategoryScope category(MemoryCategory::adjacency);
        adjacency.upload(backend, host.adjacency);
    }
    if (!host.sparse_features) {
        const MemoryCategoryScope category(has_graph ? MemoryCategory::features : MemoryCategoryScope::current());
        dense.resize(backend, host.dense.rows, host.dense.cols, "dense input batch");
        dense.upload(host.dense);
        return;
    }
    sparse.upload(backend, host.sparse);
    touched_count = static_cast<std::int64_t>(host.touched_features.size());
    sparse_compact.upload(backend, host.sparse, host.compact_column_index, touched_count);
    ensure_capacity(touched_features, backend, std::max<std::int64_t>(touched_count, 1), "touched feature ids");
    touched_features.upload(host.touched_features);
}

}  // namespace tb
