#pragma once
// Downsampling that keeps spikes: the points are cut into max_points/2 buckets of consecutive points,
// and each bucket keeps its lowest and its highest point, in their original order. A one-point spike
// (a loss blow-up, a throughput dip) therefore survives any reduction, where averaging or picking every
// k-th point would lose it. NaN values never count as a minimum or maximum; a bucket of NaNs keeps its
// first point.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace tb::storage {

// value_of(point) answers the value that is compared. max_points 0 keeps every point; otherwise the
// result has at most max(max_points, 2) points.
template <class Point, class ValueOf>
std::vector<Point> downsample_keeping_extremes(std::span<const Point> points, std::size_t max_points,
                                               ValueOf value_of) {
    if (max_points == 0 || points.size() <= max_points) return {points.begin(), points.end()};
    const std::size_t buckets = std::max<std::size_t>(1, max_points / 2);
    std::vector<Point> kept;
    kept.reserve(2 * buckets);
    for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
        // Bucket bounds spread the remainder over the buckets, so sizes differ by at most one.
        const std::size_t begin = bucket * points.size() / buckets;
        const std::size_t end = (bucket + 1) * points.size() / buckets;
        std::size_t lowest = end;
        std::size_t highest = end;
        for (std::size_t index = begin; index < end; ++index) {
            const double value = value_of(points[index]);
            if (std::isnan(value)) continue;
            if (lowest == end || value < value_of(points[lowest])) lowest = index;
            if (highest == end || value > value_of(points[highest])) highest = index;
        }
        if (lowest == end) {
            kept.push_back(points[begin]);
            continue;
        }
        const std::size_t first = std::min(lowest, highest);
        const std::size_t second = std::max(lowest, highest);
        kept.push_back(points[first]);
        if (second != first) kept.push_back(points[second]);
    }
    return kept;
}

}  // namespace tb::storage
