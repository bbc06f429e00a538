#pragma once
// What a gradient all-reduce must produce, computed on the host: the workers' gradients downloaded
// before the reduce, summed in double in worker order (the sparse segments over the union of their
// rows), with each segment's error scale, and the comparison of what the workers hold afterwards.
// Shared by the CPU tests of both routes and the GPU test of the device route.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/fleet/worker.h"

namespace tb::testing {

// One segment's gradient in host memory; `rows` is filled for row-sparse segments only.
struct SegmentGradient {
    std::vector<std::int32_t> rows;
    std::vector<float> values;
};
using ReplicaGradient = std::vector<SegmentGradient>;  // per segment of the layout

inline ReplicaGradient download_gradient(Worker& worker) {
    const ArenaLayout& layout = worker.replica->parameters().layout();
    ReplicaGradient gradient(layout.segments().size());
    for (std::size_t s = 0; s < layout.segments().size(); ++s) {
        const ParameterSegment& segment = layout.segment(s);
        SegmentGradient& out = gradient[s];
        if (segment.row_sparse_gradient) {
            const RowSparseGradient& sparse = worker.replica->gradients().row_sparse(s);
            out.rows.resize(static_cast<std::size_t>(sparse.row_count));
            out.values.resize(static_cast<std::size_t>(sparse.row_count * segment.cols));
            if (sparse.row_count == 0) continue;
            worker.backend->copy_device_to_host(out.rows.data(), sparse.rows.data(), out.rows.size() * sizeof(std::int32_t));
            worker.backend->copy_device_to_host(out.values.data(), sparse.values.data(), out.values.size() * sizeof(float));
        } else {
            out.values.resize(static_cast<std::size_t>(segment.size()));
            worker.backend->copy_device_to_host(out.values.data(), worker.replica->gradients().dense().data() + segment.offset,
                                                out.values.size() * sizeof(float));
        }
    }
    return gradient;
}

inline std::vector<ReplicaGradient> download_gradients(std::vector<Worker>& workers) {
    std::vector<ReplicaGradient> gradients;
    for (Worker& worker : workers) gradients.push_back(download_gradient(worker));
    return gradients;
}

struct ReferenceSum {
    ReplicaGradient sum;
    std::vector<double> scale;  // per segment: the largest sum of the addends' magnitudes of an element
    double bytes = 0;           // what a ring all-reduce of these gradients sends per device
    std::size_t union_rows = 0;
};

inline ReferenceSum reference_sum(const std::vector<ReplicaGradient>& before, const std::vector<char>& contributes,
                           const ArenaLayout& layout) {
    ReferenceSum reference;
    reference.sum.resize(layout.segments().size());
    reference.scale.assign(layout.segments().size(), 0.0);
    for (std::size_t s = 0; s < layout.segments().size(); ++s) {
        const ParameterSegment& segment = layout.segment(s);
        const auto cols = static_cast<std::size_t>(segment.cols);
        std::vector<std::int32_t>& union_rows = reference.sum[s].rows;
        if (segment.row_sparse_gradient) {
            for (std::size_t w = 0; w < before.size(); ++w) {
                if (contributes[w]) union_rows.insert(union_rows.end(), before[w][s].rows.begin(), before[w][s].rows.end());
            }
            std::sort(union_rows.begin(), union_rows.end());
            union_rows.erase(std::unique(union_rows.begin(), union_rows.end()), union_rows.end());
            reference.union_rows = union_rows.size();
        }
        const std::size_t size = segment.row_sparse_gradient ? union_rows.size() * cols : static_cast<std::size_t>(segment.size());
        std::vector<double> sum(size, 0.0);
        std::vector<double> magnitude(size, 0.0);
        for (std::size_t w = 0; w < before.size(); ++w) {
            if (!contributes[w]) continue;
            const SegmentGradient& part = before[w][s];
            for (std::size_t k = 0; k < part.values.size(); ++k) {
                std::size_t position = k;
                if (segment.row_sparse_gradient) {
                    const auto row = static_cast<std::size_t>(
                        std::lower_bound(union_rows.begin(), union_rows.end(), part.rows[k / cols]) - union_rows.begin());
                    position = row * cols + k % cols;
                }
                sum[position] += part.values[k];
                magnitude[position] += std::abs(static_cast<double>(part.values[k]));
            }
        }
        reference.sum[s].values.assign(sum.begin(), sum.end());
        for (const double m : magnitude) reference.scale[s] = std::max(reference.scale[s], m);
        reference.bytes += static_cast<double>(size + union_rows.size()) * sizeof(float);
    }
    return reference;
}

struct Difference {
    std::string mismatch;  // the first difference in shape or row lists; empty when there is none
    double largest = 0;    // the largest value difference relative to its segment's scale
};

inline void add_difference(Difference& difference, const ReplicaGradient& actual, const ReplicaGradient& expected,
                    const std::vector<double>& scale, const std::string& who) {
    for (std::size_t s = 0; s < expected.size(); ++s) {
        const std::string where = who + ", segment " + std::to_string(s);
        if (actual[s].rows != expected[s].rows && difference.mismatch.empty()) {
            difference.mismatch = where + ": " + std::to_string(actual[s].rows.size()) + " rows where " +
                                  std::to_string(expected[s].rows.size()) + " were expected, or other rows";
        }
        if (actual[s].values.size() != expected[s].values.size()) {
            if (difference.mismatch.empty()) difference.mismatch = where + ": values of another size";
            continue;
        }
        for (std::size_t k = 0; k < expected[s].values.size(); ++k) {
            const double gap = std::abs(static_cast<double>(actual[s].values[k]) - expected[s].values[k]);
            // NaN must fail as loudly as a large gap.
            const double relative = std::isnan(gap) ? INFINITY : (scale[s] > 0 ? gap / scale[s] : gap);
            difference.largest = std::max(difference.largest, relative);
        }
    }
}

// Every worker of `after` against the same expected gradient.
inline Difference difference_from(const std::vector<ReplicaGradient>& after, const ReferenceSum& reference) {
    Difference difference;
    for (std::size_t w = 0; w < after.size(); ++w) {
        add_difference(difference, after[w], reference.sum, reference.scale, "worker " + std::to_string(w));
    }
    return difference;
}

// Worker by worker, one fleet's gradients against another's.
inline Difference difference_between(const std::vector<ReplicaGradient>& after, const std::vector<ReplicaGradient>& expected,
                              const ReferenceSum& reference) {
    Difference difference;
    for (std::size_t w = 0; w < after.size(); ++w) {
        add_difference(difference, after[w], expected[w], reference.scale, "worker " + std::to_string(w));
    }
    return difference;
}

}  // namespace tb::testing
