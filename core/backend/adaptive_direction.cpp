#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/backend/adaptive_direction_host.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {

namespace {

[[noreturn]] void reject(const std::string& problem) {
    throw std::invalid_argument("adaptive_direction: " + problem);
}

std::string shape_of(ConstMatrixView m) { return std::to_string(m.rows) + " x " + std::to_string(m.cols); }

struct StagingBuffers {
    std::vector<float> weights, gradient, first_moment, second_moment, direction;
};

}  // namespace

DirectionNorms adaptive_direction_on_host(const float* weights, const float* gradient, float* first_moment,
                                          float* second_moment, float* direction, std::int64_t count,
                                          const AdaptiveDirectionParameters& p) {
    // Each element is computed in double and stored in float, so the only rounding a step adds is the
    // store's; the moments and weights then drift from exact arithmetic by a few float ulps at most.
    const double gradient_scale = p.gradient_scale;
    const double l2 = p.l2_weight_decay;
    const double decoupled = p.decoupled_weight_decay;
    const double beta1 = p.beta1;
    const double beta2 = p.beta2;
    const double epsilon = p.epsilon;
    const double correction1 = p.first_moment_correction;
    const double correction2 = p.second_moment_correction;
    double weights_squared = 0;
    double gradient_squared = 0;
    double direction_squared = 0;
    for (std::int64_t i = 0; i < count; ++i) {
        const double w = weights[i];
        const double g = gradient_scale * gradient[i];
        const double decayed = g + l2 * w;
        double d;
        if (p.moments) {
            const double m = beta1 * first_moment[i] + (1.0 - beta1) * decayed;
            const double v = beta2 * second_moment[i] + (1.0 - beta2) * decayed * decayed;
            first_moment[i] = static_cast<float>(m);
            second_moment[i] = static_cast<float>(v);
            d = m * correction1 / (std::sqrt(v * correction2) + epsilon) + decoupled * w;
        } else {
            d = decayed + decoupled * w;
        }
        direction[i] = static_cast<float>(d);
        weights_squared += w * w;
        gradient_squared += g * g;
        direction_squared += d * d;
    }
    return {weights_squared, gradient_squared, direction_squared};
}

void check_adaptive_direction_arguments(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                                        const float* first_moment, const float* second_moment,
                                        ConstMatrixView direction, const AdaptiveDirectionParameters& p) {
    if (weights.rows < 0 || weights.cols < 0 || gradient.rows < 0 || gradient.cols < 0) {
        reject("negative shape (weights " + shape_of(weights) + ", gradient " + shape_of(gradient) + ")");
    }
    // The rows of the weights, the moments and the direction are addressed as one contiguous array.
    check_contiguous("adaptive_direction", "weights", weights);
    check_contiguous("adaptive_direction", "gradient", gradient);
    check_contiguous("adaptive_direction", "direction", direction);
    if (gradient.cols != weights.cols) {
        reject("gradient " + shape_of(gradient) + " and weights " + shape_of(weights) + " differ in columns");
    }
    if (rows == nullptr && gradient.rows != weights.rows) {
        reject("dense gradient " + shape_of(gradient) + " is not the weights' shape " + shape_of(weights));
    }
    if (rows != nullptr && gradient.rows > weights.rows) {
        reject("row-sparse gradient has " + std::to_string(gradient.rows) + " rows, the weights only " +
               std::to_string(weights.rows));
    }
    if (direction.rows != gradient.rows || direction.cols != gradient.cols) {
        reject("direction " + shape_of(direction) + " is not the gradient's shape " + shape_of(gradient));
    }
    if (gradient.size() > 0 && (weights.data == nullptr || gradient.data == nullptr || direction.data == nullptr)) {
        reject("weights, gradient or direction has no data");
    }
    if (p.moments && gradient.size() > 0 && (first_moment == nullptr || second_moment == nullptr)) {
        reject("moments requested but the first or second moment buffer is null");
    }
    if (p.moments && !(p.beta1 >= 0.0f && p.beta1 < 1.0f && p.beta2 >= 0.0f && p.beta2 < 1.0f)) {
        reject("beta1 " + std::to_string(p.beta1) + " and beta2 " + std::to_string(p.beta2) + " must be in [0, 1)");
    }
    if (p.moments && !(p.epsilon > 0.0f)) reject("epsilon must be above 0, got " + std::to_string(p.epsilon));
}

DirectionNorms Backend::adaptive_direction(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                                           float* first_moment, float* second_moment, MatrixView direction,
                                           const AdaptiveDirectionParameters& parameters) {
    check_adaptive_direction_arguments(weights, rows, gradient, first_moment, second_moment, direction, parameters);
    const std::int64_t count = gradient.size();
    if (count == 0) return {};
    const std::int64_t cols = weights.cols;
    const auto bytes = [](std::int64_t floats) { return static_cast<std::size_t>(floats) * sizeof(float); };
    const bool moments = parameters.moments;

    // The staging buffers keep their capacity between calls: fresh ones per segment and step would cost
    // page faults and zero-filling on every update.
    thread_local StagingBuffers staging;
    std::vector<float>& host_weights = staging.weights;
    std::vector<float>& host_gradient = staging.gradient;
    std::vector<float>& host_first = staging.first_moment;
    std::vector<float>& host_second = staging.second_moment;
    std::vector<float>& host_direction = staging.direction;
    host_weights.resize(static_cast<std::size_t>(count));
    host_gradient.resize(static_cast<std::size_t>(count));
    host_first.resize(moments ? static_cast<std::size_t>(count) : 0);
    host_second.resize(moments ? static_cast<std::size_t>(count) : 0);
    host_direction.resize(static_cast<std::size_t>(count));
    copy_device_to_host(host_gradient.data(), gradient.data, bytes(count));

    // The rows of the weights (and moments) that pair with the gradient's rows, in the gradient's order.
    std::vector<std::int32_t> host_rows;
    if (rows != nullptr) {
        host_rows.resize(static_cast<std::size_t>(gradient.rows));
        copy_device_to_host(host_rows.data(), rows, host_rows.size() * sizeof(std::int32_t));
        for (std::int32_t row : host_rows) {
            if (row < 0 || row >= weights.rows) {
                reject("row index " + std::to_string(row) + " outside the weights' " + std::to_string(weights.rows) +
                       " rows");
            }
        }
    }
    const auto for_each_block = [&](auto&& copy_block) {
        if (rows == nullptr) {
            copy_block(0, 0, count);
        } else {
            for (std::size_t i = 0; i < host_rows.size(); ++i) {
                copy_block(static_cast<std::int64_t>(i) * cols, static_cast<std::int64_t>(host_rows[i]) * cols, cols);
            }
        }
    };
    for_each_block([&](std::int64_t host_offset, std::int64_t device_offset, std::int64_t length) {
        copy_device_to_host(host_weights.data() + host_offset, weights.data + device_offset, bytes(length));
        if (moments) {
            copy_device_to_host(host_first.data() + host_offset, first_moment + device_offset, bytes(length));
            copy_device_to_host(host_second.data() + host_offset, second_moment + device_offset, bytes(length));
        }
    });

    const DirectionNorms norms =
        adaptive_direction_on_host(host_weights.data(), host_gradient.data(), moments ? host_first.data() : nullptr,
                                   moments ? host_second.data() : nullptr, host_direction.data(), count, parameters);

    copy_host_to_device(direction.data, host_direction.data(), bytes(count));
    if (moments) {
        for_each_block([&](std::int64_t host_offset, std::int64_t device_offset, std::int64_t length) {
            copy_host_to_device(first_moment + device_offset, host_first.data() + host_offset, bytes(length));
            copy_host_to_device(second_moment + device_offset, host_second.data() + host_offset, bytes(length));
        });
    }
    synchronize();
    return norms;
}

}  // namespace tb
