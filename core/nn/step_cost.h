#pragma once
// What one training step of a batch costs the hardware: arithmetic, memory traffic and the bytes that
// cross the host link. The simulated executor turns it into seconds with a device's modelled peaks; it
// depends on the batch, so a sparse batch with more non-zeros costs more, as it does on real hardware.
// Modules report theirs (nn::Module::cost) and containers add them up.

namespace tb {

struct StepCost {
    double flops = 0;        // floating-point operations of forward, backward and update
    double memory_bytes = 0; // device-memory traffic of the same
    double host_bytes = 0;   // the batch itself, copied from host to device

    StepCost& operator+=(const StepCost& other) {
        flops += other.flops;
        memory_bytes += other.memory_bytes;
        host_bytes += other.host_bytes;
        return *this;
    }
};

inline StepCost operator*(double factor, StepCost cost) {
    cost.flops *= factor;
    cost.memory_bytes *= factor;
    cost.host_bytes *= factor;
    return cost;
}

}  // namespace tb
