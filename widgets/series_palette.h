#pragma once
// Colours for many series on a white plot: saturated enough to tell 16 devices apart, dark enough to
// read on white, and stable (device i always gets the same colour in every plot and view).

#include <QColor>

namespace tb::widgets {

QColor series_color(int index);

}  // namespace tb::widgets
