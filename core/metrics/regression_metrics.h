#pragma once
// Regression metrics over a whole evaluation set, per output column and then the unweighted mean over
// columns (scikit-learn's multioutput="uniform_average"):
//   nMSE = sum (y - prediction)^2 / sum (y - mean y)^2, the squared error relative to predicting the mean;
//   explained variance = 1 - Var(y - prediction) / Var(y).
// A constant target column has no variance to normalise by; it then scores as scikit-learn's
// force_finite does: a perfect column gets nMSE 0 (explained variance 1), any other nMSE 1 (0).

#include <cstdint>
#include <span>

namespace tb {

struct RegressionOutputs {
    std::int64_t rows = 0;
    std::int64_t outputs = 0;
    std::span<const double> predictions;  // rows x outputs
    std::span<const double> targets;      // rows x outputs
};

double normalized_mean_squared_error(const RegressionOutputs& outputs);
double explained_variance(const RegressionOutputs& outputs);

}  // namespace tb
