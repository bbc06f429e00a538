#pragma once
// RAII ownership of backend memory: DeviceBuffer<T> (a flat array), DeviceMatrix (a row-major matrix)
// and DeviceCsr (a sparse matrix). Moving transfers ownership; the backend must outlive its buffers.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/backend/backend.h"
#include "core/tensor/host_csr.h"

namespace tb {

template <typename T>
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    DeviceBuffer(Backend& backend, std::int64_t count, const char* what) : backend_(&backend), count_(count) {
        if (count_ > 0) {
            data_ = static_cast<T*>(backend.allocate_bytes(static_cast<std::size_t>(count_) * sizeof(T), what));
        }
    }
    ~DeviceBuffer() { release(); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& other) noexcept
        : backend_(std::exchange(other.backend_, nullptr)),
          data_(std::exchange(other.data_, nullptr)),
          count_(std::exchange(other.count_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
        if (this != &other) {
            release();
            backend_ = std::exchange(other.backend_, nullptr);
            data_ = std::exchange(other.data_, nullptr);
            count_ = std::exchange(other.count_, 0);
        }
        return *this;
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::int64_t size() const { return count_; }
    Backend* backend() const { return backend_; }

    void upload(std::span<const T> host) {
        if (!host.empty()) backend_->copy_host_to_device(data_, host.data(), host.size_bytes());
    }
    std::vector<T> download() const {
        std::vector<T> host(static_cast<std::size_t>(count_));
        if (count_ > 0) backend_->copy_device_to_host(host.data(), data_, host.size() * sizeof(T));
        return host;
    }

private:
    void release() noexcept {
        if (data_ != nullptr) backend_->free_bytes(data_);
        data_ = nullptr;
        count_ = 0;
    }

    Backend* backend_ = nullptr;
    T* data_ = nullptr;
    std::int64_t count_ = 0;
};

// Grows a buffer to hold at least `count` elements, keeping none of its contents. Scratch space that
// is reused batch after batch goes through here so that steady-state training allocates nothing.
template <typename T>
void ensure_capacity(DeviceBuffer<T>& buffer, Backend& backend, std::int64_t count, const char* what) {
    if (buffer.size() < count || buffer.backend() != &backend) buffer = DeviceBuffer<T>(backend, count, what);
}

class DeviceMatrix {
public:
    DeviceMatrix() = default;
    DeviceMatrix(Backend& backend, std::int64_t rows, std::int64_t cols, const char* what)
        : buffer_(backend, rows * cols, what), rows_(rows), cols_(cols) {}

    // Reshapes to rows x cols, reallocating only when the capacity is too small.
    void resize(Backend& backend, std::int64_t rows, std::int64_t cols, const char* what) {
        ensure_capacity(buffer_, backend, rows * cols, what);
        rows_ = rows;
        cols_ = cols;
    }

    MatrixView view() { return {buffer_.data(), rows_, cols_}; }
    ConstMatrixView view() const { return {buffer_.data(), rows_, cols_}; }
    float* data() { return buffer_.data(); }
    const float* data() const { return buffer_.data(); }
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    std::int64_t size() const { return rows_ * cols_; }

    void upload(const HostMatrix& host) {
        buffer_.upload(std::span<const float>(host.values.data(), static_cast<std::size_t>(rows_ * cols_)));
    }
    HostMatrix download() const {
        HostMatrix host(rows_, cols_);
        if (size() > 0) buffer_.backend()->copy_device_to_host(host.values.data(), buffer_.data(), sizeof(float) * size());
        return host;
    }

private:
    DeviceBuffer<float> buffer_;
    std::int64_t rows_ = 0;
    std::int64_t cols_ = 0;
};

class DeviceCsr {
public:
    DeviceCsr() = default;
    // Uploads `host`; with `column_indices_override` the device copy takes those column indices (same
    // count as host's) and `cols_override` columns instead: the compacted batch of the sparse layer.
    void upload(Backend& backend, const HostCsr& host, std::span<const std::int32_t> column_indices_override = {},
                std::int64_t cols_override = -1) {
        ensure_capacity(row_offsets_, backend, host.rows + 1, "CSR row offsets");
        ensure_capacity(column_indices_, backend, std::max<std::int64_t>(host.nnz(), 1), "CSR column indices");
        ensure_capacity(values_, backend, std::max<std::int64_t>(host.nnz(), 1), "CSR values");
        row_offsets_.upload(host.row_offsets);
        column_indices_.upload(column_indices_override.empty() ? std::span<const std::int32_t>(host.column_indices)
                                                               : column_indices_override);
        values_.upload(host.values);
        view_ = {host.rows, cols_override >= 0 ? cols_override : host.cols, host.nnz(), row_offsets_.data(),
                 column_indices_.data(), values_.data()};
    }
    const CsrView& view() const { return view_; }

private:
    DeviceBuffer<std::int64_t> row_offsets_;
    DeviceBuffer<std::int32_t> column_indices_;
    DeviceBuffer<float> values_;
    CsrView view_;
};

}  // namespace tb
