#include "core/optim/optimizer_kinds.h"

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

}  // namespace tb
