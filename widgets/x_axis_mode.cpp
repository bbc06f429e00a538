#include "widgets/x_axis_mode.h"

namespace tb::widgets {

QString x_axis_label(XAxisMode mode) {
    switch (mode) {
        case XAxisMode::run_clock: return QStringLiteral("run clock (s, training + communication)");
        case XAxisMode::wall_time: return QStringLiteral("wall time (s)");
        case XAxisMode::epochs: return QStringLiteral("epochs");
        case XAxisMode::samples: return QStringLiteral("training samples");
    }
    return {};
}

QString x_axis_name(XAxisMode mode) {
    switch (mode) {
        case XAxisMode::run_clock: return QStringLiteral("Run clock");
        case XAxisMode::wall_time: return QStringLiteral("Wall time");
        case XAxisMode::epochs: return QStringLiteral("Epochs");
        case XAxisMode::samples: return QStringLiteral("Samples");
    }
    return {};
}

}  // namespace tb::widgets
