#include "core/optim/optimizer_kinds.h"

#include <cmath>

namespace tb {

const EnumNames<OptimizerKind>& optimizer_kind_names() {
    static const EnumNames<OptimizerKind> names = {{OptimizerKind::sgd, "sgd"},
                                                   {OptimizerKind::adam, "adam"},
                                                   {OptimizerKind::adamw, "adamw"},
                                                   {OptimizerKind::lars, "lars"},
                                                   {OptimizerKind::lamb, "lamb"}};
    return names;
}

const EnumNames<LearningRateScheduleKind>& schedule_kind_names() {
    static const EnumNames<LearningRateScheduleKind> names = {{LearningRateScheduleKind::constant, "constant"},
                                                              {LearningRateScheduleKind::step, "step"},
                                                              {LearningRateScheduleKind::cosine, "cosine"},
                                                              {LearningRateScheduleKind::polynomial, "polynomial"}};
    return names;
}

const EnumNames<StateAtMerge>& state_at_merge_names() {
    static const EnumNames<StateAtMerge> names = {
        {StateAtMerge::keep, "keep"}, {StateAtMerge::reset, "reset"}, {StateAtMerge::average, "average"}};
    return names;
}

const EnumNames<BatchScaling>& batch_scaling_names() {
    static const EnumNames<BatchScaling> names = {{BatchScaling::linear, "linear"},
                                                  {BatchScaling::square_root, "square_root"}};
    return names;
}

double batch_scaled_rate(double rate, std::int64_t batch, std::int64_t reference_batch, BatchScaling scaling) {
    const double ratio = static_cast<double>(batch) / static_cast<double>(reference_batch);
    return scaling == BatchScaling::linear ? rate * ratio : rate * std::sqrt(ratio);
}

}  // namespace tb
