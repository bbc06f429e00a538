#pragma once
// A mini-batch in host memory, gathered from a Dataset, and the same batch uploaded to a device.
// For sparse features the batch also carries the sorted list of feature ids it touches and its
// column indices remapped into that list: the sparse layer's gradient then has one row per touched
// feature instead of one per feature (782,585 rows for Delicious-200K).

#include <cstdint>
#include <span>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/data/dataset.h"

namespace tb {

struct HostBatch {
    bool sparse_features = true;
    HostCsr sparse;                                  // rows = batch size
    std::vector<std::int32_t> touched_features;      // sorted unique column ids of `sparse`
    std::vector<std::int32_t> compact_column_index;  // per non-zero: position of its column in touched_features
    HostMatrix dense;                                // rows = batch size, when !sparse_features
    HostCsr labels;
    // A batch of a graph's nodes (the whole graph, or a Cluster-GCN batch of clusters) also carries the
    // normalized adjacency among its rows, and the loss reads only its first `loss_rows` rows: the
    // training nodes come first, the others only pass messages to them. -1: every row.
    HostCsr adjacency;
    std::int64_t loss_rows = -1;

    std::int64_t size() const { return labels.rows; }
    bool has_graph() const { return adjacency.rows > 0; }
    std::int64_t rows_in_loss() const { return loss_rows < 0 ? size() : loss_rows; }
};

// Gathers the given sample rows of `data` into a batch (in that order).
HostBatch make_batch(const Dataset& data, std::span<const std::int64_t> sample_rows);

struct DeviceBatch {
    bool sparse_features = true;
    std::int64_t size = 0;
    DeviceCsr sparse;            // original feature columns
    DeviceCsr sparse_compact;    // columns remapped to touched_features
    DeviceBuffer<std::int32_t> touched_features;
    std::int64_t touched_count = 0;
    DeviceMatrix dense;
    DeviceCsr labels;
    bool has_graph = false;
    DeviceCsr adjacency;
    std::int64_t loss_rows = 0;
    std::int64_t loss_label_entries = 0;  // label non-zeros of the first loss_rows rows

    // Uploads `host`, reusing this batch's device buffers when they are large enough.
    void upload(Backend& backend, const HostBatch& host);
};

}  // namespace tb
