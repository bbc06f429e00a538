#pragma once
// Inverted dropout. The mask of every call is a pure function of (seed, call counter), so a replay
// with the same seed draws the same masks on every backend.

#include <cstdint>

#include "core/backend/device_buffer.h"

namespace tb {

class Dropout {
public:
    Dropout(float rate, std::uint64_t seed) : rate_(rate), seed_(seed) {}

    float rate() const { return rate_; }
    // In place on activations; a no-op when not training or rate is 0.
    void forward(Backend& backend, MatrixView activations, bool training);
    void backward(Backend& backend, MatrixView gradient) const;

private:
    float rate_;
    std::uint64_t seed_;
    std::uint64_t elements_drawn_ = 0;
    bool last_forward_masked_ = false;
    DeviceBuffer<float> mask_;
};

}  // namespace tb
