#pragma once
// Few-shot evaluation reports the mean accuracy over test episodes with a 95% confidence interval. The
// interval's half-width here is Student's t: t_{0.975, n-1} * s / sqrt(n), with s the sample standard
// deviation (n - 1 in its denominator). Papers with hundreds of episodes write 1.96 for t, which this
// approaches; with few episodes t is what keeps the interval honest. One episode has no spread to estimate:
// its half-width is NaN.

#include <span>

namespace tb {

double mean_episode_accuracy(std::span<const double> episode_accuracies);
double episode_accuracy_half_width_95(std::span<const double> episode_accuracies);

// The t with P(|T| < t) = confidence for Student's t with the given degrees of freedom (>= 1), found by
// bisection on the closed-form distribution of integer degrees of freedom (Abramowitz and Stegun 26.7.3
// and 26.7.4).
double student_t_two_sided_critical_value(int degrees_of_freedom, double confidence);

}  // namespace tb
