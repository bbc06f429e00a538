#pragma once
// One plotted series, kept in full, and reduced for drawing to about two points per pixel column of
// the visible x range. Appends are O(1): points also go into fixed buckets of `bucket_size` points
// with their minimum, maximum and sums cached, so a view of the whole of a long series reads the
// buckets, not the points (the chunked min/max storage of PlotJuggler). What QCustomPlot draws is
// then a few thousand points per series however long the run, which keeps 16 devices x 4 plots x
// 100,000 points above 30 redraws a second.
//
// Two reductions: `extremes` keeps each column's lowest and highest point in x order, so spikes
// survive (line plots); `mean` keeps each column's average (stacked shares, whose bands must line up
// and still sum to one); `lowest` and `highest` keep each column's lowest or highest value at the
// column's mean x (the two edges of a min-max band, whose keys then line up). x must not decrease from
// one point to the next.

#include <QVector>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace tb::widgets {

class DecimatedSeries {
public:
    static constexpr std::size_t bucket_size = 64;
    enum class Reduction { extremes, mean, lowest, highest };

    void append(double x, double y);
    // Replaces the value of the last point (a group's aggregate at that x changed). The cached value range
    // keeps the value replaced: an axis a little wider than needed is cheaper than a rescan.
    void set_last_value(double y);
    void assign(const std::vector<double>& x, const std::vector<double>& y);
    void clear();

    std::size_t size() const { return x_.size(); }
    bool empty() const { return x_.empty(); }
    double first_x() const { return x_.front(); }
    double last_x() const { return x_.back(); }
    // Lowest and highest value that is a number, if any.
    std::optional<std::pair<double, double>> value_range() const;

    // The points to draw for x in [low, high] on `columns` pixel columns, written into keys and values
    // (replacing what they held). One point beyond each end is kept, so lines run to the plot's edges.
    void view(double low, double high, int columns, Reduction reduction, QVector<double>& keys,
              QVector<double>& values) const;

    // The stored point whose x is nearest `x`.
    std::optional<std::pair<double, double>> nearest(double x) const;

private:
    struct Bucket {
        double min_y = 0;
        double max_y = 0;
        double x_at_min = 0;
        double x_at_max = 0;
        double sum_x = 0;
        double sum_y = 0;
        std::size_t count = 0;   // points in the bucket
        std::size_t numbers = 0; // of them, values that are numbers
        void add(double x, double y);
        void merge(const Bucket& other);
    };
    static void emit_group(const Bucket& group, Reduction reduction, QVector<double>& keys, QVector<double>& values);

    std::vector<double> x_;
    std::vector<double> y_;
    std::vector<Bucket> buckets_;
    std::optional<std::pair<double, double>> value_range_;
};

}  // namespace tb::widgets
