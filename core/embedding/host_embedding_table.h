#pragma once
// The whole embedding table of a CTR model, in host memory or memory-mapped from a file: one record per
// row, the row's values and its optimizer state side by side (core/backend/row_optimizer.h), so a row
// moves to a device cache and back with its state in one copy.
//
// Memory is committed only for rows that are used: a row nobody looked up is never written, and reads as
// its initial values (uniform in [-init_scale, init_scale], drawn from (seed, row), and the optimizer's
// initial state). An in-memory table that could not fit in the machine's memory is refused up front; a
// memory-mapped one may be larger than memory, the kernel paging rows to and from its file (slowly, but
// without the process being killed).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "core/backend/row_optimizer.h"

namespace tb {

struct HostTableSpec {
    std::int64_t rows = 0;
    int dim = 16;
    RowOptimizerSettings optimizer;
    double init_scale = 0.01;
    std::uint64_t seed = 1;
    std::filesystem::path memory_map;  // empty: in memory; otherwise this file holds the table (created anew)
};

class HostEmbeddingTable {
public:
    // Throws ConfigError when an in-memory table would not fit in memory (naming the bytes and the memory
    // there is, and that memory-mapping it would do), DataError when the mapped file cannot be created or
    // sized, and std::invalid_argument for rows or dim out of range.
    explicit HostEmbeddingTable(const HostTableSpec& spec);
    ~HostEmbeddingTable();
    HostEmbeddingTable(const HostEmbeddingTable&) = delete;
    HostEmbeddingTable& operator=(const HostEmbeddingTable&) = delete;

    std::int64_t rows() const { return spec_.rows; }
    int dim() const { return spec_.dim; }
    int record_floats() const { return record_floats_; }
    double table_bytes() const;
    bool memory_mapped() const { return mapping_ != nullptr; }

    // Copies the records of `ids` (record_floats each) into `out`, in order.
    void read_records(std::span<const std::int64_t> ids, float* out);
    // Stores the records of `ids` from `records`.
    void write_records(std::span<const std::int64_t> ids, const float* records);
    // The parameter-server update: each row of `ids` (distinct) updated on the host with its gradient
    // (dim floats each, in order).
    void apply_gradients(std::span<const std::int64_t> ids, const float* gradients);

    std::int64_t bytes_read() const { return bytes_read_; }
    std::int64_t bytes_written() const { return bytes_written_; }

private:
    float* record(std::int64_t id);
    void require_row(std::int64_t id) const;

    HostTableSpec spec_;
    int record_floats_;
    std::unique_ptr<float[]> memory_;  // in memory: left uninitialized, so untouched pages are never committed
    void* mapping_ = nullptr;
    std::size_t mapping_bytes_ = 0;
    int file_ = -1;
    std::vector<std::uint64_t> written_;  // a bit per row: its record holds real values
    std::int64_t bytes_read_ = 0;
    std::int64_t bytes_written_ = 0;
};

}  // namespace tb
