#pragma once
// The update of one embedding row and its optimizer state, the same function wherever the row lives
// (the host table in the parameter-server baseline, a device cache slot in the cached trainer), so that
// where a row is updated never changes what it becomes.
//
// A row's record is its `dim` values followed by its state: Adagrad one accumulator per value; Adam the
// first and second moments per value and then the row's own step count. Updates are lazy: a row is only
// touched in the steps whose batch looks it up, and Adam's bias correction uses the row's own step count
// (the number of its updates), so a rarely seen row is not corrected as if it had been updated every step.
//   sgd:     w -= lr g
//   adagrad: a += g^2; w -= lr g / (sqrt(a) + eps)          (Duchi, Hazan, Singer 2011; a starts at initial_accumulator)
//   adam:    t += 1; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
//            w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)   (Kingma, Ba 2015)

#include <cstdint>

#include "core/config/enum_names.h"

namespace tb {

enum class RowOptimizer { sgd, adagrad, adam };
const EnumNames<RowOptimizer>& row_optimizer_names();

struct RowOptimizerSettings {
    RowOptimizer kind = RowOptimizer::adagrad;
    float learning_rate = 0.01f;
    float epsilon = 1e-8f;
    float initial_accumulator = 0.1f;  // adagrad, as TensorFlow's Adagrad starts
    float beta1 = 0.9f;                // adam
    float beta2 = 0.999f;              // adam
};

// Floats per record: dim values and the state.
int row_record_floats(RowOptimizer kind, int dim);

// The state of a row that was never updated, after its values (values are set by the caller).
void initialize_row_state(const RowOptimizerSettings& settings, int dim, float* record);

// One update of one record with its gradient (dim values).
void update_row(const RowOptimizerSettings& settings, int dim, float* record, const float* gradient);

}  // namespace tb
