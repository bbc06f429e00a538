#include "widgets/ema_smoothing.h"

#include <cmath>

namespace tb::widgets {

std::vector<double> ema_smooth(const std::vector<double>& values, double alpha) {
    if (alpha <= 0) return values;
    std::vector<double> smoothed(values.size());
    double average = 0;
    double weight_of_start = 1;  // alpha^n: how much of the zero start is still in the average
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (std::isnan(values[i])) {
            smoothed[i] = values[i];
            continue;
        }
        average = alpha * average + (1 - alpha) * values[i];
        weight_of_start *= alpha;
        smoothed[i] = average / (1 - weight_of_start);
    }
    return smoothed;
}

}  // namespace tb::widgets
