#pragma once
// The quantities every live and stored curve can be plotted against.

#include <QString>

namespace tb::widgets {

enum class XAxisMode { run_clock, wall_time, epochs, samples };

inline constexpr XAxisMode all_x_axis_modes[] = {XAxisMode::run_clock, XAxisMode::wall_time, XAxisMode::epochs,
                                                 XAxisMode::samples};

// The axis label with its unit ("run clock (s)").
QString x_axis_label(XAxisMode mode);
// The short name for choosers ("Run clock").
QString x_axis_name(XAxisMode mode);

}  // namespace tb::widgets
