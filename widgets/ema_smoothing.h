#pragma once
// Exponential moving average for noisy curves in the compare view, with the bias correction of Adam
// (Kingma and Ba, 2015, Algorithm 1): the average starts at zero and is divided by (1 - alpha^n), so
// the first points are not pulled towards zero. NaN points are carried through and do not enter it.

#include <vector>

namespace tb::widgets {

// alpha in [0, 1): the weight of the past; 0 returns the values unchanged.
std::vector<double> ema_smooth(const std::vector<double>& values, double alpha);

}  // namespace tb::widgets
