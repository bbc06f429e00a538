#include "core/embedding/host_embedding_table.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "core/random/random_stream.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {

HostEmbeddingTable::HostEmbeddingTable(const HostTableSpec& spec)
    : spec_(spec), record_floats_(row_record_floats(spec.optimizer.kind, spec.dim)) {
    if (spec.rows < 1 || spec.dim < 1 || spec.dim > 4096) {
        throw std::invalid_argument("an embedding table needs at least one row and a dimension of 1 to 4096, got " +
                                    std::to_string(spec.rows) + " x " + std::to_string(spec.dim));
    }
    const double bytes = table_bytes();
    if (spec.memory_map.empty()) {
        if (const std::string shortfall = host_memory_shortfall(bytes); !shortfall.empty()) {
            throw ConfigError("an embedding table of " + std::to_string(spec.rows) + " rows x " + std::to_string(spec.dim) +
                              " (" + row_optimizer_names().name(spec.optimizer.kind) + " state included) would " + shortfall +
                              "; memory-map it to a file instead, or use fewer rows");
        }
        memory_ = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(spec.rows) * static_cast<std::size_t>(record_floats_));
    } else {
        const std::string path = spec.memory_map.string();
        file_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (file_ < 0) throw DataError(path + ": cannot create the embedding table's file: " + std::strerror(errno));
        mapping_bytes_ = static_cast<std::size_t>(bytes);
        // A sparse file: blocks are allocated as rows are written.
        if (::ftruncate(file_, static_cast<off_t>(mapping_bytes_)) != 0) {
            const std::string reason = std::strerror(errno);
            ::close(file_);
            throw DataError(path + ": cannot size the embedding table's file to " + format_bytes(bytes) + ": " + reason);
        }
        mapping_ = ::mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, file_, 0);
        if (mapping_ == MAP_FAILED) {
            mapping_ = nullptr;
            const std::string reason = std::strerror(errno);
            ::close(file_);
            throw DataError(path + ": cannot map the embedding table's file of " + format_bytes(bytes) + ": " + reason);
        }
    }
    written_.assign(static_cast<std::size_t>((spec.rows + 63) / 64), 0);
}

HostEmbeddingTable::~HostEmbeddingTable() {
    if (mapping_ != nullptr) ::munmap(mapping_, mapping_bytes_);
    if (file_ >= 0) ::close(file_);
}

double HostEmbeddingTable::table_bytes() const {
    return static_cast<double>(spec_.rows) * record_floats_ * static_cast<double>(sizeof(float));
}

void HostEmbeddingTable::require_row(std::int64_t id) const {
    if (id < 0 || id >= spec_.rows) {
        throw std::invalid_argument("embedding row " + std::to_string(id) + " is outside the table's " + std::to_string(spec_.rows) + " rows");
    }
}

float* HostEmbeddingTable::record(std::int64_t id) {
    float* base = memory_ ? memory_.get() : static_cast<float*>(mapping_);
    float* row = base + static_cast<std::size_t>(id) * static_cast<std::size_t>(record_floats_);
    std::uint64_t& word = written_[static_cast<std::size_t>(id / 64)];
    const std::uint64_t bit = std::uint64_t{1} << (id % 64);
    if ((word & bit) == 0) {
        // First use: the row's initial values from (seed, row), the same whichever path asks first.
        RandomStream random(spec_.seed * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(id));
        for (int i = 0; i < spec_.dim; ++i) row[i] = static_cast<float>(spec_.init_scale * (2 * random.uniform() - 1));
        initialize_row_state(spec_.optimizer, spec_.dim, row);
        word |= bit;
    }
    return row;
}

void HostEmbeddingTable::read_records(std::span<const std::int64_t> ids, float* out) {
    const auto width = static_cast<std::size_t>(record_floats_);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        require_row(ids[i]);
        std::memcpy(out + i * width, record(ids[i]), width * sizeof(float));
    }
    bytes_read_ += static_cast<std::int64_t>(ids.size() * width * sizeof(float));
}

void HostEmbeddingTable::write_records(std::span<const std::int64_t> ids, const float* records) {
    const auto width = static_cast<std::size_t>(record_floats_);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        require_row(ids[i]);
        std::memcpy(record(ids[i]), records + i * width, width * sizeof(float));
    }
    bytes_written_ += static_cast<std::int64_t>(ids.size() * width * sizeof(float));
}

void HostEmbeddingTable::apply_gradients(std::span<const std::int64_t> ids, const float* gradients) {
    const auto dim = static_cast<std::size_t>(spec_.dim);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        require_row(ids[i]);
        update_row(spec_.optimizer, spec_.dim, record(ids[i]), gradients + i * dim);
    }
}

}  // namespace tb
