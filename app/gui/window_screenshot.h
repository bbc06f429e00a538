#pragma once
// Saves what the window shows as a PNG, and beside it (FILE.plots.json) where each visible plot's data
// area lies in the picture and how many points it holds, so that a test can check on the pixels that
// the plots are not blank.

#include <QString>

class QWidget;

namespace tb::gui {

// Throws std::runtime_error naming the file when it cannot be written.
void save_window_screenshot(QWidget& window, const QString& path);

}  // namespace tb::gui
