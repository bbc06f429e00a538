#pragma once
// Device arrays between guard zones, so that every case notices writes past either end of an output and
// any change to an input, without having to ask.

#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "core/backend/backend.h"
#include "core/tensor/host_csr.h"
#include "tests/core/backend_conformance/case_context.h"

namespace tb::conformance {

// 256 bytes on either side keep the contents at the 256-byte alignment cudaMalloc gives, so that
// vectorized device loads stay legal, and are wide enough to catch a stray write of a whole vector.
inline constexpr std::size_t guard_bytes = 256;

inline unsigned char guard_byte(std::size_t position) { return static_cast<unsigned char>(0xa7u ^ (position * 29u)); }

// An input must come back bit for bit as it went up; an output may change, but only inside its bounds.
enum class Role { input, output };

// A device array between two guard zones. The guards and the contents go up in one copy; when the
// array goes out of scope the whole span comes back and is checked, so no case can forget to look for
// writes past either end or into its inputs. Failures land in the case's context.
template <typename T>
class GuardedArray {
public:
    GuardedArray(CaseContext& context, std::vector<T> contents, std::string name, Role role)
        : context_(context), contents_(std::move(contents)), name_(std::move(name)), role_(role) {
        const std::size_t total = total_bytes();
        base_ = static_cast<unsigned char*>(context_.backend().allocate_bytes(total, name_.c_str()));
        std::vector<unsigned char> image(total);
        for (std::size_t i = 0; i < guard_bytes; ++i) {
            image[i] = guard_byte(i);
            image[total - guard_bytes + i] = guard_byte(guard_bytes + i);
        }
        if (!contents_.empty()) std::memcpy(image.data() + guard_bytes, contents_.data(), content_bytes());
        context_.backend().copy_host_to_device(base_, image.data(), total);
    }

    ~GuardedArray() {
        try {
            verify();
        } catch (const std::exception& error) {
            context_.fail(name_ + ": reading it back failed: " + error.what());
        }
        context_.backend().free_bytes(base_);
    }

    GuardedArray(const GuardedArray&) = delete;
    GuardedArray& operator=(const GuardedArray&) = delete;

    // A device pointer: only ever handed to the backend, never read here.
    T* data() { return reinterpret_cast<T*>(base_ + guard_bytes); }
    std::int64_t size() const { return static_cast<std::int64_t>(contents_.size()); }
    const std::vector<T>& uploaded() const { return contents_; }

    std::vector<T> download() const {
        const std::vector<unsigned char> image = download_image();
        std::vector<T> values(contents_.size());
        if (!values.empty()) std::memcpy(values.data(), image.data() + guard_bytes, content_bytes());
        return values;
    }

private:
    std::size_t content_bytes() const { return contents_.size() * sizeof(T); }
    std::size_t total_bytes() const { return 2 * guard_bytes + content_bytes(); }

    std::vector<unsigned char> download_image() const {
        std::vector<unsigned char> image(total_bytes());
        context_.backend().synchronize();
        context_.backend().copy_device_to_host(image.data(), base_, image.size());
        return image;
    }

    void verify() {
        const std::vector<unsigned char> image = download_image();
        const std::size_t back = guard_bytes + content_bytes();
        for (std::size_t i = 0; i < guard_bytes; ++i) {
            if (image[i] != guard_byte(i)) {
                context_.fail(name_ + ": written before its start (the guard byte " + std::to_string(guard_bytes - i) +
                              " bytes before it changed)");
                break;
            }
        }
        for (std::size_t i = 0; i < guard_bytes; ++i) {
            if (image[back + i] != guard_byte(guard_bytes + i)) {
                context_.fail(name_ + ": written past its end (the guard byte at offset " + std::to_string(i) +
                              " after it changed)");
                break;
            }
        }
        if (role_ == Role::input && !contents_.empty() &&
            std::memcmp(image.data() + guard_bytes, contents_.data(), content_bytes()) != 0) {
            context_.fail(name_ + ": an input came back changed");
        }
    }

    CaseContext& context_;
    std::vector<T> contents_;
    std::string name_;
    Role role_;
    unsigned char* base_ = nullptr;
};

class GuardedMatrix {
public:
    GuardedMatrix(CaseContext& context, const HostMatrix& host, const std::string& name, Role role)
        : array_(context, host.values, name, role), rows_(host.rows), cols_(host.cols) {}

    MatrixView view() { return {array_.data(), rows_, cols_}; }
    ConstMatrixView const_view() { return {array_.data(), rows_, cols_}; }
    // Columns [first_column, first_column + column_count) as a strided view of this matrix.
    MatrixView block(std::int64_t first_column, std::int64_t column_count) {
        return column_block(view(), first_column, column_count);
    }
    std::vector<float> download() const { return array_.download(); }
    const std::vector<float>& uploaded() const { return array_.uploaded(); }

private:
    GuardedArray<float> array_;
    std::int64_t rows_;
    std::int64_t cols_;
};

class GuardedCsr {
public:
    GuardedCsr(CaseContext& context, const HostCsr& host, const std::string& name)
        : row_offsets_(context, host.row_offsets, name + " row offsets", Role::input),
          column_indices_(context, host.column_indices, name + " column indices", Role::input),
          values_(context, host.values, name + " values", Role::input),
          view_{host.rows, host.cols, host.nnz(), row_offsets_.data(), column_indices_.data(), values_.data()} {}

    const CsrView& view() const { return view_; }

private:
    GuardedArray<std::int64_t> row_offsets_;
    GuardedArray<std::int32_t> column_indices_;
    GuardedArray<float> values_;
    CsrView view_;
};

}  // namespace tb::conformance
