#pragma once
// A red strip above the workbench's views that shows an engine error (bad file, bad config, out of
// memory, divergence) whichever tab is open, until it is dismissed or the next run starts.

#include <QWidget>

class QLabel;

namespace tb::widgets {

class ErrorBanner final : public QWidget {
    Q_OBJECT
public:
    explicit ErrorBanner(QWidget* parent = nullptr);
    void show_error(const QString& headline, const QString& detail);
    void dismiss();
    QString text() const;

private:
    QLabel* label_;
};

}  // namespace tb::widgets
