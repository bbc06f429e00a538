#include "core/metrics/episode_accuracy.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

namespace tb {

namespace {

// P(|T| < t) for Student's t with degrees_of_freedom >= 1: with theta = atan(t / sqrt(v)), odd v gives
// (2/pi) (theta + sin theta (cos theta + 2/3 cos^3 theta + ... + (2*4...(v-3))/(1*3...(v-2)) cos^(v-2) theta)),
// even v gives sin theta (1 + 1/2 cos^2 theta + ... + (1*3...(v-3))/(2*4...(v-2)) cos^(v-2) theta).
double student_t_central_probability(double t, int degrees_of_freedom) {
    const double theta = std::atan(t / std::sqrt(static_cast<double>(degrees_of_freedom)));
    const double sine = std::sin(theta);
    const double cosine = std::cos(theta);
    const double cosine_squared = cosine * cosine;
    if (degrees_of_freedom % 2 == 1) {
        double series = 0;
        double term = cosine;
        for (int power = 1; power <= degrees_of_freedom - 2; power += 2) {
            series += term;
            term *= cosine_squared * static_cast<double>(power + 1) / static_cast<double>(power + 2);
        }
        return 2.0 / std::numbers::pi * (theta + sine * series);
    }
    double series = 0;
    double term = 1.0;
    for (int power = 0; power <= degrees_of_freedom - 2; power += 2) {
        series += term;
        term *= cosine_squared * static_cast<double>(power + 1) / static_cast<double>(power + 2);
    }
    return sine * series;
}

void check_not_empty(std::span<const double> episode_accuracies) {
    if (episode_accuracies.empty()) throw std::invalid_argument("episode accuracy needs at least one test episode");
}

}  // namespace

double student_t_two_sided_critical_value(int degrees_of_freedom, double confidence) {
    if (degrees_of_freedom < 1 || !(confidence > 0 && confidence < 1)) {
        throw std::invalid_argument("Student's t critical value needs degrees of freedom >= 1 (got " +
                                    std::to_string(degrees_of_freedom) + ") and a confidence in (0, 1)");
    }
    double low = 0;
    double high = 1;
    while (student_t_central_probability(high, degrees_of_freedom) < confidence) high *= 2;
    for (int step = 0; step < 200 && high - low > 1e-15 * high; ++step) {
        const double middle = 0.5 * (low + high);
        (student_t_central_probability(middle, degrees_of_freedom) < confidence ? low : high) = middle;
    }
    return 0.5 * (low + high);
}

double mean_episode_accuracy(std::span<const double> episode_accuracies) {
    check_not_empty(episode_accuracies);
    double sum = 0;
    for (const double accuracy : episode_accuracies) sum += accuracy;
    return sum / static_cast<double>(episode_accuracies.size());
}

double episode_accuracy_half_width_95(std::span<const double> episode_accuracies) {
    check_not_empty(episode_accuracies);
    const std::size_t n = episode_accuracies.size();
    if (n == 1) return std::numeric_limits<double>::quiet_NaN();
    const double mean = mean_episode_accuracy(episode_accuracies);
    double squares = 0;
    for (const double accuracy : episode_accuracies) squares += (accuracy - mean) * (accuracy - mean);
    const double standard_deviation = std::sqrt(squares / static_cast<double>(n - 1));
    return student_t_two_sided_critical_value(static_cast<int>(n - 1), 0.95) * standard_deviation /
           std::sqrt(static_cast<double>(n));
}

}  // namespace tb
