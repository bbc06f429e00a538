#include "core/multitask/k_means.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/random/random_stream.h"

namespace tb {

namespace {

double squared_distance(const double* a, const double* b, std::int64_t dims) {
    double sum = 0.0;
    for (std::int64_t j = 0; j < dims; ++j) {
        const double difference = a[j] - b[j];
        sum += difference * difference;
    }
    return sum;
}

class PointSet {
public:
    PointSet(const std::vector<double>& values, std::int64_t count, std::int64_t dims) : values_(values), count_(count), dims_(dims) {}
    std::int64_t count() const { return count_; }
    std::int64_t dims() const { return dims_; }
    const double* point(std::int64_t i) const { return values_.data() + i * dims_; }

private:
    const std::vector<double>& values_;
    std::int64_t count_;
    std::int64_t dims_;
};

// k-means++ seeding: each next centre drawn with probability proportional to D(x)^2.
std::vector<double> seed_centres(const PointSet& points, std::int64_t clusters, RandomStream& random) {
    const std::int64_t dims = points.dims();
    std::vector<double> centres(static_cast<std::size_t>(clusters * dims));
    auto place = [&](std::int64_t centre, std::int64_t point) {
        const double* source = points.point(point);
        for (std::int64_t j = 0; j < dims; ++j) centres[static_cast<std::size_t>(centre * dims + j)] = source[j];
    };
    place(0, static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(points.count()))));
    std::vector<double> nearest(static_cast<std::size_t>(points.count()), std::numeric_limits<double>::infinity());
    for (std::int64_t centre = 1; centre < clusters; ++centre) {
        const double* last = centres.data() + (centre - 1) * dims;
        double total = 0.0;
        for (std::int64_t i = 0; i < points.count(); ++i) {
            double& distance = nearest[static_cast<std::size_t>(i)];
            distance = std::min(distance, squared_distance(points.point(i), last, dims));
            total += distance;
        }
        std::int64_t chosen = points.count() - 1;
        if (total > 0.0) {
            double remaining = random.uniform() * total;
            for (std::int64_t i = 0; i < points.count(); ++i) {
                remaining -= nearest[static_cast<std::size_t>(i)];
                if (remaining < 0.0) {
                    chosen = i;
                    break;
                }
            }
        } else {
            // Every point coincides with a chosen centre: any point is as good as another.
            chosen = static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(points.count())));
        }
        place(centre, chosen);
    }
    return centres;
}

KMeansResult lloyd(const PointSet& points, std::vector<double> centres, std::int64_t clusters, int max_iterations) {
    const std::int64_t dims = points.dims();
    KMeansResult result;
    result.assignment.assign(static_cast<std::size_t>(points.count()), -1);
    std::vector<double> distance_to_centre(static_cast<std::size_t>(points.count()));
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(clusters));
    for (int iteration = 0; iteration < max_iterations; ++iteration) {
        bool changed = false;
        for (std::int64_t i = 0; i < points.count(); ++i) {
            std::int64_t best = 0;
            double best_distance = std::numeric_limits<double>::infinity();
            for (std::int64_t c = 0; c < clusters; ++c) {
                const double distance = squared_distance(points.point(i), centres.data() + c * dims, dims);
                if (distance < best_distance) {
                    best_distance = distance;
                    best = c;
                }
            }
            distance_to_centre[static_cast<std::size_t>(i)] = best_distance;
            if (result.assignment[static_cast<std::size_t>(i)] != best) {
                result.assignment[static_cast<std::size_t>(i)] = best;
                changed = true;
            }
        }
        result.iterations = iteration + 1;
        if (!changed) {
            result.converged = true;
            break;
        }
        std::fill(centres.begin(), centres.end(), 0.0);
        std::fill(sizes.begin(), sizes.end(), 0);
        for (std::int64_t i = 0; i < points.count(); ++i) {
            const std::int64_t c = result.assignment[static_cast<std::size_t>(i)];
            ++sizes[static_cast<std::size_t>(c)];
            for (std::int64_t j = 0; j < dims; ++j) centres[static_cast<std::size_t>(c * dims + j)] += points.point(i)[j];
        }
        for (std::int64_t c = 0; c < clusters; ++c) {
            double* centre = centres.data() + c * dims;
            if (sizes[static_cast<std::size_t>(c)] > 0) {
                for (std::int64_t j = 0; j < dims; ++j) centre[j] /= static_cast<double>(sizes[static_cast<std::size_t>(c)]);
                continue;
            }
            // An empty cluster takes the point worst served by its centre, which lowers the inertia.
            std::int64_t farthest = 0;
            for (std::int64_t i = 1; i < points.count(); ++i)
                if (distance_to_centre[static_cast<std::size_t>(i)] > distance_to_centre[static_cast<std::size_t>(farthest)]) farthest = i;
            for (std::int64_t j = 0; j < dims; ++j) centre[j] = points.point(farthest)[j];
            distance_to_centre[static_cast<std::size_t>(farthest)] = 0.0;
        }
    }
    result.inertia = 0.0;
    for (std::int64_t i = 0; i < points.count(); ++i) {
        const std::int64_t c = result.assignment[static_cast<std::size_t>(i)];
        result.inertia += squared_distance(points.point(i), centres.data() + c * dims, dims);
    }
    result.centres = std::move(centres);
    return result;
}

}  // namespace

KMeansResult k_means(const std::vector<double>& points, std::int64_t point_count, std::int64_t dims, const KMeansSettings& settings) {
    if (point_count < 1 || dims < 1 || points.size() != static_cast<std::size_t>(point_count * dims)) {
        throw std::invalid_argument("k-means: " + std::to_string(points.size()) + " values do not make " + std::to_string(point_count) +
                                    " points of " + std::to_string(dims) + " dimensions");
    }
    if (settings.clusters < 1 || settings.clusters > point_count) {
        throw std::invalid_argument("k-means: clusters = " + std::to_string(settings.clusters) + " must be between 1 and the number of points (" +
                                    std::to_string(point_count) + ")");
    }
    if (settings.restarts < 1) throw std::invalid_argument("k-means: restarts must be at least 1");
    if (settings.max_iterations < 1) throw std::invalid_argument("k-means: max_iterations must be at least 1");

    const PointSet point_set(points, point_count, dims);
    RandomStream random(settings.seed);
    KMeansResult best;
    best.inertia = std::numeric_limits<double>::infinity();
    for (int restart = 0; restart < settings.restarts; ++restart) {
        KMeansResult candidate = lloyd(point_set, seed_centres(point_set, settings.clusters, random), settings.clusters, settings.max_iterations);
        if (candidate.inertia < best.inertia) best = std::move(candidate);
    }
    return best;
}

}  // namespace tb
