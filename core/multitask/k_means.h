#pragma once
// k-means clustering of points in R^dims: minimizes the inertia, the sum over points of the squared
// Euclidean distance to the centre of the cluster it is assigned to.
// Seeding: k-means++ (Arthur and Vassilvitskii, "k-means++: the advantages of careful seeding", SODA
// 2007): the first centre uniformly at random, each next one with probability proportional to the
// squared distance to the nearest centre chosen so far; draws from tb::RandomStream, so the same seed
// gives the same clustering on every platform.
// Iterations: Lloyd's (assign each point to its nearest centre, move each centre to its points' mean),
// until no assignment changes or `max_iterations`; a cluster left empty is re-seeded at the point
// farthest from its centre. The best of `restarts` independent seedings by inertia is returned.

#include <cstdint>
#include <vector>

namespace tb {

struct KMeansSettings {
    std::int64_t clusters = 2;
    int restarts = 10;
    int max_iterations = 300;
    std::uint64_t seed = 1;
};

struct KMeansResult {
    std::vector<std::int64_t> assignment;  // points: 0 .. clusters-1
    std::vector<double> centres;           // clusters x dims, row-major
    double inertia = 0;
    int iterations = 0;                    // Lloyd iterations of the returned restart
    bool converged = false;                // its assignments stopped changing before max_iterations
};

// `points` is points x dims, row-major. Throws std::invalid_argument when clusters is not in
// [1, points], when restarts or max_iterations is below 1, or when the sizes disagree.
KMeansResult k_means(const std::vector<double>& points, std::int64_t point_count, std::int64_t dims, const KMeansSettings& settings);

}  // namespace tb
