#pragma once
// One named matrix of a run (a topology's mixing matrix, the merge weights per period) as a heat map,
// with a slider over the times its snapshots were taken. While the slider sits on the newest snapshot
// it moves on to each new one; dragging it back holds the chosen snapshot in view. Redraws are queued
// (rpQueuedReplot), so a burst of snapshots costs one repaint.

#include <QString>
#include <QWidget>

#include <vector>

#include "core/session/events.h"

class QCustomPlot;
class QCPColorMap;
class QLabel;
class QSlider;

namespace tb::widgets {

class MatrixSnapshotView final : public QWidget {
    Q_OBJECT
public:
    explicit MatrixSnapshotView(const QString& name, QWidget* parent = nullptr);

    // Appends a snapshot taken at run clock `t`; shows it when the slider was on the newest one.
    void add_snapshot(double t, const MatrixSnapshot& snapshot);
    int snapshot_count() const { return static_cast<int>(snapshots_.size()); }
    // The snapshot shown, -1 while there is none.
    int shown_snapshot() const { return shown_; }
    void show_snapshot(int index);

    const QString& name() const { return name_; }
    QSlider& slider() { return *slider_; }
    QCPColorMap& color_map() { return *color_map_; }
    QCustomPlot& plot() { return *plot_; }
    QString caption() const;

private:
    struct TimedSnapshot {
        double t = 0;
        MatrixSnapshot matrix;
    };

    void draw(const TimedSnapshot& snapshot);

    QString name_;
    QCustomPlot* plot_;
    QCPColorMap* color_map_;
    QSlider* slider_;
    QLabel* caption_;
    std::vector<TimedSnapshot> snapshots_;
    int shown_ = -1;
};

}  // namespace tb::widgets
