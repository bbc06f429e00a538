#include "core/solvers/anderson_acceleration.h"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/solvers/dense_lapack.h"

namespace tb {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum;
}

}  // namespace

AndersonAcceleration::AndersonAcceleration(int memory) : memory_(memory) {
    if (memory < 1) throw std::invalid_argument("Anderson acceleration: memory = " + std::to_string(memory) + " must be at least 1");
}

void AndersonAcceleration::reset() {
    last_residual_.clear();
    last_image_.clear();
    residual_differences_.clear();
    image_differences_.clear();
}

std::vector<double> AndersonAcceleration::extrapolate(const std::vector<double>& iterate, const std::vector<double>& image) {
    if (iterate.size() != image.size() || (!last_image_.empty() && image.size() != last_image_.size())) {
        throw std::invalid_argument("Anderson acceleration: the iterate and its image must keep one length (got " + std::to_string(iterate.size()) +
                                    " and " + std::to_string(image.size()) + ")");
    }
    std::vector<double> residual(image.size());
    for (std::size_t i = 0; i < image.size(); ++i) residual[i] = image[i] - iterate[i];

    if (!last_image_.empty()) {
        std::vector<double> residual_difference(image.size());
        std::vector<double> image_difference(image.size());
        for (std::size_t i = 0; i < image.size(); ++i) {
            residual_difference[i] = residual[i] - last_residual_[i];
            image_difference[i] = image[i] - last_image_[i];
        }
        residual_differences_.push_back(std::move(residual_difference));
        image_differences_.push_back(std::move(image_difference));
        if (static_cast<int>(residual_differences_.size()) > memory_) {
            residual_differences_.pop_front();
            image_differences_.pop_front();
        }
    }
    last_residual_ = residual;
    last_image_ = image;
    if (residual_differences_.empty()) return image;

    const auto m = static_cast<std::int64_t>(residual_differences_.size());
    std::vector<double> normal(static_cast<std::size_t>(m * m));
    std::vector<double> right_hand_side(static_cast<std::size_t>(m));
    double trace = 0.0;
    for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j <= i; ++j) {
            const double value = dot(residual_differences_[static_cast<std::size_t>(i)], residual_differences_[static_cast<std::size_t>(j)]);
            normal[static_cast<std::size_t>(i * m + j)] = value;
            normal[static_cast<std::size_t>(j * m + i)] = value;
        }
        trace += normal[static_cast<std::size_t>(i * m + i)];
        right_hand_side[static_cast<std::size_t>(i)] = dot(residual_differences_[static_cast<std::size_t>(i)], residual);
    }
    // Every difference is zero: the iteration has reached its fixed point.
    if (!(trace > 0.0)) return image;
    for (std::int64_t i = 0; i < m; ++i) normal[static_cast<std::size_t>(i * m + i)] += 1e-12 * trace;
    const std::vector<double> gamma = solve_positive_definite(std::move(normal), m, std::move(right_hand_side));

    std::vector<double> next = image;
    for (std::int64_t j = 0; j < m; ++j) {
        const std::vector<double>& difference = image_differences_[static_cast<std::size_t>(j)];
        const double weight = gamma[static_cast<std::size_t>(j)];
        for (std::size_t i = 0; i < next.size(); ++i) next[i] -= weight * difference[i];
    }
    return next;
}

}  // namespace tb
