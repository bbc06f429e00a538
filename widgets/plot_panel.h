#pragma once
// One plot of the workbench: a QCustomPlot with a title bar (hover readout, Follow toggle, Export),
// zoom and pan with the mouse (wheel zooms, drag pans; either turns Follow off, a double click turns it
// back on), legend entries that hide and show their series when clicked, and a readout of the series
// nearest the pointer. Redraws are requested with mark_dirty() and done by redraw(), which the owner
// calls from its frame timer, so a burst of data costs one redraw.

#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <vector>

#include "widgets/decimated_series.h"
#include "widgets/plot_theme.h"

class QCustomPlot;
class QCPGraph;
class QCPAxis;
class QCPItemTracer;
class QCPItemText;
class QCPAbstractLegendItem;
class QCPLegend;
class QCPLayoutGrid;
class QLabel;
class QToolButton;
class QLineEdit;
class QListWidget;
class QMouseEvent;

namespace tb::widgets {

class PlotPanel final : public QWidget {
    Q_OBJECT
public:
    PlotPanel(const QString& title, const QString& y_label, QWidget* parent = nullptr);

    QCustomPlot& plot() { return *plot_; }
    const QString& title() const { return title_; }

    // A series drawn against the left axis, or the right one (shown on first use) when `right_axis`.
    // The graph is for styling; data goes in through append() and set_series_data(), and the graph
    // holds only what is drawn (see decimated_series.h).
    QCPGraph* add_series(const QString& name, const QColor& color, bool right_axis = false);
    // A series drawn as a line inside a shaded band (a group of devices: the line is the members' mean,
    // the band runs from their minimum to their maximum). Its data goes in through append_band().
    QCPGraph* add_band_series(const QString& name, const QColor& color);
    bool has_band(int series) const { return bands_[static_cast<std::size_t>(series)].low != nullptr; }
    void append_band(int series, double x, double mean, double low, double high);
    // Replaces the last point of a band series (its group's values at that x changed).
    void set_last_band(int series, double mean, double low, double high);
    const DecimatedSeries& band_low_data(int series) const { return bands_[static_cast<std::size_t>(series)].low_data; }
    const DecimatedSeries& band_high_data(int series) const { return bands_[static_cast<std::size_t>(series)].high_data; }
    QCPGraph* band_low_graph(int series) const { return bands_[static_cast<std::size_t>(series)].low; }
    QCPGraph* band_high_graph(int series) const { return bands_[static_cast<std::size_t>(series)].high; }
    int series_count() const { return static_cast<int>(series_.size()); }
    QCPGraph* series(int index) const { return series_[static_cast<std::size_t>(index)]; }
    const DecimatedSeries& series_data(int index) const { return data_[static_cast<std::size_t>(index)]; }
    void append(int series, double x, double y);
    void set_series_data(int series, const std::vector<double>& x, const std::vector<double>& y);
    void remove_all_series();
    void set_x_label(const QString& label);
    void set_right_axis_label(const QString& label);
    // Stacked series: each series holds the running sum, drawn filled down to the one below, and the
    // readout shows each series' own share. The y range is then fixed at [0, 1].
    void set_stacked(bool stacked);
    // Past this many series the legend box would cover the plot: it gives way to the Series button, a
    // searchable list of the series with a check box each.
    static constexpr int legend_box_limit = 8;
    bool legend_box_shown() const;
    // Shows or hides a series, as its legend entry or its row in the series list does.
    void set_series_visible(int index, bool visible);
    // The series list's filter, as typed into it: only the series whose names contain the text are listed.
    void filter_series_list(const QString& text);
    // Names the series list shows after filtering.
    QStringList listed_series() const;

    // Text shown in the plot while it has no data ("waiting for the first merge").
    void set_empty_text(const QString& text);

    bool follow() const { return follow_; }
    void set_follow(bool follow);
    // A logarithmic value axis (both sides), for series that span decades (a trust-ratio spike of 7e4
    // over ratios near 1e-3). Values at or below zero are not drawn while it is on. Not for stacked plots.
    bool log_scale() const { return log_scale_; }
    void set_log_scale(bool log_scale);

    void mark_dirty() { dirty_ = true; }
    bool dirty() const { return dirty_; }
    // Rescales (when following) and queues a repaint, if anything changed since the last redraw.
    void redraw();
    // Rescales and repaints now (the replot benchmark times this).
    void redraw_now();
    long long redraw_count() const { return redraws_; }
    // Points held by all series together (not only those drawn).
    long long point_count() const;

    // By file extension: .png, .svg or .pdf. Throws std::runtime_error with the reason.
    void export_to(const QString& path);
    QString readout() const;

    // The colours the plot is drawn in, from the widget's palette (plot_theme.h).
    const PlotTheme& theme() const { return theme_; }

signals:
    void followChanged(bool follow);

protected:
    // A palette change (the system's scheme, or the View menu's theme) repaints the plot in its colours.
    void changeEvent(QEvent* event) override;

private:
    // Applies theme_ to the plot and recolours every series from its base colour.
    void apply_theme();
    // A series' colours from its base colour under theme_: pen, stacked fill, band shade.
    void colour_series(std::size_t index);
    void rescale();
    // Fills the graphs with the reduced points of the visible x range.
    void update_drawn_points();
    void update_empty_text();
    void on_mouse_move(QMouseEvent* event);
    void on_legend_click(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
    void choose_export_file();
    // Moves the series from the legend box to the series list once there are too many for the box.
    void update_legend_mode();
    void fill_series_list();

    QString title_;
    QCustomPlot* plot_;
    QLabel* readout_;
    QToolButton* follow_button_;
    QToolButton* log_button_;
    QCPLayoutGrid* legend_column_;  // right of the axis rect while the legend box is shown
    QToolButton* series_button_;
    QLineEdit* series_filter_;
    QListWidget* series_list_;
    QCPItemTracer* tracer_;
    QCPItemText* empty_label_;
    QString empty_text_;
    std::vector<QCPGraph*> series_;
    std::vector<DecimatedSeries> data_;
    // The band's edges, drawn as two graphs filled between; both null for a plain series.
    struct Band {
        QCPGraph* low = nullptr;
        QCPGraph* high = nullptr;
        DecimatedSeries low_data;
        DecimatedSeries high_data;
    };
    std::vector<Band> bands_;  // one per series
    std::vector<QColor> base_colors_;  // one per series, as given; drawn through readable_series_color
    PlotTheme theme_;
    bool setting_range_ = false;
    bool stacked_ = false;
    bool log_scale_ = false;
    bool follow_ = true;
    bool dirty_ = false;
    long long redraws_ = 0;
};

}  // namespace tb::widgets
