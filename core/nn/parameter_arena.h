#pragma once
// The parameter arena: every parameter of one model replica lives in one contiguous buffer, cut into
// named segments ("hidden.weight", "output.bias", ...). Gradients and optimizer state use the same
// layout, so averaging, all-reduce and merges are single operations over flat buffers, and layer-wise
// optimizers walk the segments.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/backend/memory_category.h"

namespace tb {

struct ParameterSegment {
    std::string name;
    std::int64_t offset = 0;  // in floats, from the start of the arena
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    // The gradient of this segment is row-sparse: only the rows a batch touches are computed (the
    // sparse input layer). Its gradient lives in a RowSparseGradient, not in the dense gradient arena.
    bool row_sparse_gradient = false;

    std::int64_t size() const { return rows * cols; }
    bool is_vector() const { return rows == 1; }  // biases: excluded from weight decay by default
};

class ArenaLayout {
public:
    // Adds a segment and returns its index. Offsets are aligned to 16 floats (64 bytes) so that every
    // segment starts on a cache line.
    std::size_t add(std::string name, std::int64_t rows, std::int64_t cols, bool row_sparse_gradient = false);
    const std::vector<ParameterSegment>& segments() const { return segments_; }
    const ParameterSegment& segment(std::size_t index) const { return segments_.at(index); }
    std::optional<std::size_t> find(const std::string& name) const;
    std::int64_t total_size() const { return total_size_; }
    std::int64_t parameter_count() const;  // sum of segment sizes, without alignment padding

private:
    std::vector<ParameterSegment> segments_;
    std::int64_t total_size_ = 0;
};

// One flat buffer in an ArenaLayout (parameters, dense gradients, momentum...).
class ParameterArena {
public:
    ParameterArena() = default;
    ParameterArena(Backend& backend, const ArenaLayout& layout, const char* what);

    const ArenaLayout& layout() const { return *layout_; }
    Backend& backend() const { return *buffer_.backend(); }
    float* data() { return buffer_.data(); }
    const float* data() const { return buffer_.data(); }
    std::int64_t size() const { return buffer_.size(); }

    MatrixView segment(std::size_t index);
    ConstMatrixView segment(std::size_t index) const;

    std::vector<float> download() const { return buffer_.download(); }
    void upload(const std::vector<float>& host) { buffer_.upload(host); }

private:
    const ArenaLayout* layout_ = nullptr;
    DeviceBuffer<float> buffer_;
};

// The gradient of a row-sparse segment: `row_count` rows of values, row i belonging to parameter row
// rows[i] (sorted, unique).
struct RowSparseGradient {
    DeviceBuffer<std::int32_t> rows;
    DeviceMatrix values;
    std::int64_t row_count = 0;

    // Room for `count` rows of `cols` values on `backend` (growing only; at least one row, so the buffers
    // exist even for an empty batch), and row_count set to count. values_what and rows_what name the two
    // buffers in an out-of-memory error.
    void make_room(Backend& backend, std::int64_t count, std::int64_t cols, const char* values_what, const char* rows_what) {
        const MemoryCategoryScope category(MemoryCategory::gradients);
        values.resize(backend, std::max<std::int64_t>(count, 1), cols, values_what);
        ensure_capacity(rows, backend, std::max<std::int64_t>(count, 1), rows_what);
        row_count = count;
    }
};

// The gradients of one replica: a dense arena for the ordinary segments (row-sparse segments' part of
// it is never written, so its pages are never touched) and one RowSparseGradient per row-sparse segment.
class Gradients {
public:
    Gradients() = default;
    Gradients(Backend& backend, const ArenaLayout& layout);

    ParameterArena& dense() { return dense_; }
    const ParameterArena& dense() const { return dense_; }
    RowSparseGradient& row_sparse(std::size_t segment_index) { return row_sparse_.at(segment_index); }
    const RowSparseGradient& row_sparse(std::size_t segment_index) const { return row_sparse_.at(segment_index); }

private:
    ParameterArena dense_;
    std::vector<RowSparseGradient> row_sparse_;  // indexed by segment; empty entries for dense segments
};

}  // namespace tb
