#include "core/backend/row_optimizer.h"

#include <cmath>

namespace tb {

const EnumNames<RowOptimizer>& row_optimizer_names() {
    static const EnumNames<RowOptimizer> names{
        {RowOptimizer::sgd, "sgd"}, {RowOptimizer::adagrad, "adagrad"}, {RowOptimizer::adam, "adam"}};
    return names;
}

int row_record_floats(RowOptimizer kind, int dim) {
    switch (kind) {
        case RowOptimizer::sgd: return dim;
        case RowOptimizer::adagrad: return 2 * dim;
        case RowOptimizer::adam: return 3 * dim + 1;
    }
    return dim;
}

void initialize_row_state(const RowOptimizerSettings& settings, int dim, float* record) {
    float* state = record + dim;
    switch (settings.kind) {
        case RowOptimizer::sgd: break;
        case RowOptimizer::adagrad:
            for (int i = 0; i < dim; ++i) state[i] = settings.initial_accumulator;
            break;
        case RowOptimizer::adam:
            for (int i = 0; i < 2 * dim + 1; ++i) state[i] = 0.0f;
            break;
    }
}

void update_row(const RowOptimizerSettings& settings, int dim, float* record, const float* gradient) {
    float* values = record;
    switch (settings.kind) {
        case RowOptimizer::sgd:
            for (int i = 0; i < dim; ++i) values[i] -= settings.learning_rate * gradient[i];
            return;
        case RowOptimizer::adagrad: {
            float* accumulator = record + dim;
            for (int i = 0; i < dim; ++i) {
                accumulator[i] += gradient[i] * gradient[i];
                values[i] -= settings.learning_rate * gradient[i] / (std::sqrt(accumulator[i]) + settings.epsilon);
            }
            return;
        }
        case RowOptimizer::adam: {
            float* first = record + dim;
            float* second = record + 2 * dim;
            float& steps = record[3 * dim];
            steps += 1.0f;  // exact as a float up to 2^24 updates of one row
            const double correction1 = 1 - std::pow(static_cast<double>(settings.beta1), static_cast<double>(steps));
            const double correction2 = 1 - std::pow(static_cast<double>(settings.beta2), static_cast<double>(steps));
            for (int i = 0; i < dim; ++i) {
                first[i] = settings.beta1 * first[i] + (1 - settings.beta1) * gradient[i];
                second[i] = settings.beta2 * second[i] + (1 - settings.beta2) * gradient[i] * gradient[i];
                const double m = first[i] / correction1;
                const double v = second[i] / correction2;
                values[i] -= static_cast<float>(settings.learning_rate * m / (std::sqrt(v) + settings.epsilon));
            }
            return;
        }
    }
}

}  // namespace tb
