#pragma once
// Device copies of the throughput cases' operands, held by shared pointers so that the call a case
// prepares keeps them alive by capturing them.

#include <memory>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/tensor/host_csr.h"

namespace tb::conformance {

template <typename T>
std::shared_ptr<DeviceBuffer<T>> device_copy(Backend& backend, const std::vector<T>& host, const char* what) {
    auto buffer = std::make_shared<DeviceBuffer<T>>(backend, static_cast<std::int64_t>(host.size()), what);
    buffer->upload(host);
    return buffer;
}

inline std::shared_ptr<DeviceCsr> device_copy(Backend& backend, const HostCsr& host) {
    auto csr = std::make_shared<DeviceCsr>();
    csr->upload(backend, host);
    return csr;
}

}  // namespace tb::conformance
