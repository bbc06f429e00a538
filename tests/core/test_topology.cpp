// Topologies, mixing matrices and the non-IID partition of decentralized training: mixing matrices are
// symmetric, doubly stochastic and equal hand-computed weights on small graphs; spectral gaps match the
// closed forms; edge lists are read with errors that name the file and line; the Dirichlet partition is
// deterministic per seed, covers every row once, keeps every worker above half the average and follows
// the requested alpha.

#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <set>

#include "core/data/data_paths.h"
#include "core/data/dirichlet_partition.h"
#include "core/errors.h"
#include "core/random/random_stream.h"
#include "core/topology/edge_list_reader.h"
#include "core/topology/mixing_matrix.h"
#include "core/topology/spectral_gap.h"
#include "core/topology/topology_shapes.h"

using namespace tb;

namespace {

void compare_matrix(const MixingMatrix& matrix, const std::vector<std::vector<double>>& expected) {
    QCOMPARE(matrix.size(), static_cast<int>(expected.size()));
    for (int i = 0; i < matrix.size(); ++i) {
        for (int j = 0; j < matrix.size(); ++j) {
            const double want = expected[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
            QVERIFY2(std::abs(matrix.at(i, j) - want) < 1e-15,
                     qPrintable(QString("W[%1][%2] = %3, expected %4").arg(i).arg(j).arg(matrix.at(i, j)).arg(want)));
        }
    }
}

std::filesystem::path write_file(const QTemporaryDir& folder, const char* name, const std::string& text) {
    const std::filesystem::path path = std::filesystem::path(folder.path().toStdString()) / name;
    std::ofstream(path) << text;
    return path;
}

// A labelled data set of `classes` classes with `per_class` rows each (no features: the partition only
// reads labels).
Dataset labelled_rows(int classes, int per_class) {
    Dataset data;
    data.name = "labels";
    data.source = "test labels";
    data.task = TaskKind::single_label;
    data.labels.cols = classes;
    const float one = 1.0f;
    for (int row = 0; row < classes * per_class; ++row) {
        const std::int32_t label = row % classes;
        data.labels.append_row(std::span<const std::int32_t>(&label, 1), std::span<const float>(&one, 1));
    }
    return data;
}

// The mean over classes of sum_w (share of the class held by worker w)^2. For shares drawn from a
// symmetric Dirichlet(alpha) over n workers its expectation is (alpha + 1) / (n alpha + 1).
double mean_class_concentration(const std::vector<std::vector<std::int64_t>>& histograms) {
    const std::size_t classes = histograms.front().size();
    double total = 0;
    for (std::size_t c = 0; c < classes; ++c) {
        double class_size = 0;
        for (const auto& histogram : histograms) class_size += static_cast<double>(histogram[c]);
        double squares = 0;
        for (const auto& histogram : histograms) squares += std::pow(static_cast<double>(histogram[c]) / class_size, 2);
        total += squares;
    }
    return total / static_cast<double>(classes);
}

}  // namespace

class TopologyTest : public QObject {
    Q_OBJECT

private slots:
    void metropolis_hastings_weights_equal_hand_computed_values() {
        // Ring of 4: every degree is 2, so every weight is 1/(1+2) and the diagonal 1 - 2/3.
        const double third = 1.0 / 3.0;
        compare_matrix(metropolis_hastings_weights(ring_topology(4)),
                       {{third, third, 0, third}, {third, third, third, 0}, {0, third, third, third}, {third, 0, third, third}});
        // Star of 4: hub degree 3, leaves degree 1: W_0j = 1/(1+3), W_00 = 1 - 3/4, W_jj = 1 - 1/4.
        compare_matrix(metropolis_hastings_weights(star_topology(4)),
                       {{0.25, 0.25, 0.25, 0.25}, {0.25, 0.75, 0, 0}, {0.25, 0, 0.75, 0}, {0.25, 0, 0, 0.75}});
        // A triangle 1-2-3 with a pendant 0 on node 1 (degrees 1, 3, 2, 2): W_01 = W_12 = W_13 = 1/4,
        // W_23 = 1/3, so W_00 = 3/4, W_11 = 1/4, W_22 = W_33 = 1 - 1/4 - 1/3 = 5/12.
        QTemporaryDir folder;
        const Topology kite = read_edge_list(write_file(folder, "kite.csv", "# a kite\n0,1\n1,2\n1,3\n2 3\n"));
        compare_matrix(metropolis_hastings_weights(kite), {{0.75, 0.25, 0, 0},
                                                           {0.25, 0.25, 0.25, 0.25},
                                                           {0, 0.25, 5.0 / 12.0, third},
                                                           {0, 0.25, third, 5.0 / 12.0}});
        // Uniform ring weights: 1/3 on the node and each ring neighbour.
        compare_matrix(uniform_ring_weights(ring_topology(5)), {{third, third, 0, 0, third},
                                                                {third, third, third, 0, 0},
                                                                {0, third, third, third, 0},
                                                                {0, 0, third, third, third},
                                                                {third, 0, 0, third, third}});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, uniform_ring_weights(star_topology(4)));
    }

    void every_topology_mixes_with_a_doubly_stochastic_matrix() {
        std::vector<Topology> topologies = {ring_topology(16), torus_topology(4, 4), torus_topology(2, 8),
                                            complete_topology(7), star_topology(9),
                                            random_expander_topology(32, 4, 3)};
        const std::optional<std::filesystem::path> shared = shared_data_folder();
        const std::filesystem::path davis = shared ? *shared / "graphs/davis_southern_women.csv" : std::filesystem::path();
        if (shared && std::filesystem::exists(davis)) {
            topologies.push_back(read_edge_list(davis));
            QCOMPARE(topologies.back().node_count(), 32);
            QCOMPARE(topologies.back().edges().size(), std::size_t{89});
        } else {
            qInfo("the Davis Southern Women graph is absent (no ../shared/data): checked the generated topologies only");
        }
        for (const Topology& topology : topologies) {
            const MixingMatrix mixing = metropolis_hastings_weights(topology);
            QVERIFY2(mixing.doubly_stochastic_error() < 1e-12, topology.description().c_str());
            QVERIFY2(mixing.non_negative(), topology.description().c_str());
            const double gap = spectral_gap(mixing);
            qInfo("%-45s max degree %2d, spectral gap %.5f", topology.description().c_str(), topology.max_degree(), gap);
            QVERIFY2(gap > 0 && gap <= 1 + 1e-12, topology.description().c_str());
        }
        QCOMPARE(torus_topology(4, 4).max_degree(), 4);
        QCOMPARE(torus_topology(4, 4).edges().size(), std::size_t{32});
    }

    void spectral_gaps_match_closed_forms() {
        // Uniform ring weights are circulant: eigenvalues 1/3 + 2/3 cos(2 pi k / n).
        for (const int n : {5, 16, 32}) {
            const MixingMatrix mixing = uniform_ring_weights(ring_topology(n));
            const std::vector<double> eigenvalues = symmetric_eigenvalues(mixing);
            std::vector<double> expected;
            for (int k = 0; k < n; ++k) expected.push_back(1.0 / 3.0 + 2.0 / 3.0 * std::cos(2 * std::numbers::pi * k / n));
            std::sort(expected.begin(), expected.end(), std::greater<>());
            for (int k = 0; k < n; ++k) QVERIFY(std::abs(eigenvalues[static_cast<std::size_t>(k)] - expected[static_cast<std::size_t>(k)]) < 1e-10);
            const double second = 1.0 / 3.0 + 2.0 / 3.0 * std::cos(2 * std::numbers::pi / n);
            const double gap = 1 - std::max(second, std::abs(expected.back()));
            QVERIFY(std::abs(spectral_gap(mixing) - gap) < 1e-10);
        }
        // The complete graph's Metropolis-Hastings weights are all 1/n: one round reaches the average.
        QVERIFY(std::abs(spectral_gap(metropolis_hastings_weights(complete_topology(6))) - 1.0) < 1e-12);
        // Better connected, larger gap.
        QVERIFY(spectral_gap(metropolis_hastings_weights(torus_topology(4, 4))) >
                spectral_gap(metropolis_hastings_weights(ring_topology(16))));
    }

    void random_expanders_are_deterministic_per_seed() {
        const Topology first = random_expander_topology(32, 4, 9);
        QCOMPARE(first.edges(), random_expander_topology(32, 4, 9).edges());
        QVERIFY(first.edges() != random_expander_topology(32, 4, 10).edges());
        QVERIFY(first.max_degree() <= 4);
        QVERIFY(spectral_gap(metropolis_hastings_weights(first)) > 5 * spectral_gap(metropolis_hastings_weights(ring_topology(32))));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, random_expander_topology(32, 3, 1));
        // A degree the fleet cannot hold is refused, not capped into a complete graph.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, random_expander_topology(8, 100, 1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, random_expander_topology(8, 8, 1));
        QVERIFY(random_expander_topology(8, 6, 1).description().find("degree 6, mean ") != std::string::npos);
    }

    void edge_list_errors_name_the_file_and_line() {
        QTemporaryDir folder;
        const auto message = [&](const char* name, const std::string& text) -> std::string {
            try {
                read_edge_list(write_file(folder, name, text));
            } catch (const DataError& error) {
                return error.what();
            }
            return "no error";
        };
        const std::string bad = message("bad.csv", "# header\n0,1\n1;x\n");
        QVERIFY2(bad.find("bad.csv:3:") != std::string::npos, bad.c_str());
        const std::string repeated = message("repeated.csv", "0,1\n1,2\n1,0\n");
        QVERIFY2(repeated.find("repeated.csv:3:") != std::string::npos && repeated.find("repeats line 1") != std::string::npos,
                 repeated.c_str());
        const std::string loop = message("loop.csv", "0,1\n2,2\n");
        QVERIFY2(loop.find("loop.csv:2:") != std::string::npos, loop.c_str());
        const std::string split = message("split.csv", "0,1\n2,3\n");
        QVERIFY2(split.find("not connected") != std::string::npos && split.find("split.csv") != std::string::npos, split.c_str());
        const std::string trailing = message("trailing.csv", "0,1,2\n");
        QVERIFY2(trailing.find("trailing.csv:1:") != std::string::npos, trailing.c_str());
        // Found by tests/fuzz/fuzz_edge_list_reader: an id far beyond what the edges can connect is an
        // error on its line, not a node count that sizes tables of gigabytes (std::bad_alloc here).
        const std::string far = message("far.csv", "0,1\n1999999999,2\n1,2\n");
        QVERIFY2(far.find("far.csv:2:") != std::string::npos && far.find("node 3 has no edge") != std::string::npos,
                 far.c_str());
        const std::string largest_int = message("largest_int.csv", "0,1\n0,2147483647\n");
        QVERIFY2(largest_int.find("largest_int.csv:2:") != std::string::npos, largest_int.c_str());
    }

    void dirichlet_samples_have_the_right_moments() {
        // Dirichlet(alpha) over k components: E[p_1] = 1/k, Var[p_1] = (k-1) / (k^2 (k alpha + 1)).
        for (const double alpha : {0.1, 1.0, 10.0}) {
            RandomStream random(5);
            const int k = 4;
            const int draws = 20000;
            double sum = 0;
            double squares = 0;
            for (int d = 0; d < draws; ++d) {
                const double p = random.symmetric_dirichlet(alpha, k)[0];
                sum += p;
                squares += p * p;
            }
            const double mean = sum / draws;
            const double variance = squares / draws - mean * mean;
            const double expected_variance = (k - 1.0) / (k * k * (k * alpha + 1.0));
            qInfo("alpha %.1f: mean %.4f (0.25), variance %.5f (%.5f)", alpha, mean, variance, expected_variance);
            QVERIFY(std::abs(mean - 0.25) < 0.01);
            QVERIFY(std::abs(variance / expected_variance - 1.0) < 0.06);
        }
    }

    void dirichlet_partition_is_deterministic_and_covers_every_row() {
        const Dataset data = labelled_rows(10, 400);
        const PartitionConfig config{"dirichlet", 0.1, 3, /*equal_sizes=*/false};
        const auto first = partition_rows(data, 16, config);
        QCOMPARE(first, partition_rows(data, 16, config));
        PartitionConfig other = config;
        other.seed = 4;
        QVERIFY(first != partition_rows(data, 16, other));
        QCOMPARE(first.size(), std::size_t{16});
        std::set<std::int64_t> seen;
        std::size_t smallest = first.front().size();
        for (const auto& rows : first) {
            seen.insert(rows.begin(), rows.end());
            smallest = std::min(smallest, rows.size());
        }
        std::size_t total = 0;
        for (const auto& rows : first) total += rows.size();
        QCOMPARE(total, std::size_t{4000});
        QCOMPARE(seen.size(), std::size_t{4000});
        // Groups of 10 and 6 workers holding 2500 and 1500 rows: half the average is 125 in both.
        QVERIFY2(smallest >= 125, qPrintable(QString("smallest part %1").arg(smallest)));

        const auto iid = partition_rows(data, 16, PartitionConfig{"iid", 1.0, 3});
        for (const auto& rows : iid) QVERIFY(rows.size() == 250);
    }

    // The authors' last step: the dealt rows, concatenated in worker order, cut into equal slices. Every
    // worker then holds the same number of rows (the first ones a row more where it does not divide),
    // every row is somewhere once, and each slice is still mostly one worker's skewed draw.
    void equal_sizes_cuts_the_dealt_rows_into_equal_slices() {
        const Dataset data = labelled_rows(10, 401);  // 4,010 rows over 16 workers: 250 or 251 each
        const PartitionConfig drawn_config{"dirichlet", 0.1, 3, /*equal_sizes=*/false};
        const PartitionConfig equal_config{"dirichlet", 0.1, 3, /*equal_sizes=*/true};
        const auto drawn = partition_rows(data, 16, drawn_config);
        const auto equal = partition_rows(data, 16, equal_config);
        std::size_t drawn_smallest = drawn.front().size();
        std::size_t drawn_largest = 0;
        for (const auto& rows : drawn) {
            drawn_smallest = std::min(drawn_smallest, rows.size());
            drawn_largest = std::max(drawn_largest, rows.size());
        }
        qInfo("drawn parts hold %zu to %zu rows", drawn_smallest, drawn_largest);
        QVERIFY(drawn_largest > drawn_smallest + 1);  // what the slicing removes
        std::vector<std::int64_t> drawn_order;
        std::vector<std::int64_t> equal_order;
        std::set<std::int64_t> seen;
        for (std::size_t w = 0; w < equal.size(); ++w) {
            QCOMPARE(equal[w].size(), w < 4010 % 16 ? std::size_t{251} : std::size_t{250});
            seen.insert(equal[w].begin(), equal[w].end());
            drawn_order.insert(drawn_order.end(), drawn[w].begin(), drawn[w].end());
            equal_order.insert(equal_order.end(), equal[w].begin(), equal[w].end());
        }
        QCOMPARE(seen.size(), std::size_t{4010});
        QCOMPARE(equal_order, drawn_order);  // the same rows in the same order, cut elsewhere
        // Still non-IID: each class's rows sit on few workers (the concentration, the sum of a class's
        // squared shares over the workers averaged over classes, is 1/16 for an even split).
        const double concentration = mean_class_concentration(class_histograms(data, equal));
        qInfo("equal slices: class concentration %.3f (even split %.3f)", concentration, 1.0 / 16);
        QVERIFY(concentration > 3.0 / 16);
        // The default is the authors' way.
        QVERIFY(PartitionConfig{}.equal_sizes);
    }

    void dirichlet_partition_follows_alpha() {
        // One group of 10 workers; per class, the concentration of its shares over the workers. The
        // capping of full workers and the minimum-size redraws pull small alphas towards the even split,
        // so the check is the expectation within a band that narrows as alpha grows, and the order.
        const Dataset data = labelled_rows(10, 2000);
        const int workers = 10;
        double previous = 1.0;
        for (const double alpha : {0.1, 1.0, 10.0}) {
            double concentration = 0;
            const int seeds = 5;
            for (int seed = 1; seed <= seeds; ++seed) {
                const auto partition = partition_rows(
                    data, workers, PartitionConfig{"dirichlet", alpha, static_cast<std::int64_t>(seed), /*equal_sizes=*/false});
                concentration += mean_class_concentration(class_histograms(data, partition)) / seeds;
            }
            const double expected = (alpha + 1) / (workers * alpha + 1);
            qInfo("alpha %4.1f: class concentration %.3f, Dirichlet expectation %.3f, even split %.3f", alpha,
                  concentration, expected, 1.0 / workers);
            QVERIFY(concentration < previous);
            QVERIFY2(std::abs(concentration / expected - 1.0) < 0.2,
                     qPrintable(QString("alpha %1: %2 vs %3").arg(alpha).arg(concentration).arg(expected)));
            previous = concentration;
        }
        const auto iid = partition_rows(data, workers, PartitionConfig{"iid", 1.0, 1});
        QVERIFY(mean_class_concentration(class_histograms(data, iid)) < 0.11);
    }
};

QTEST_GUILESS_MAIN(TopologyTest)
#include "test_topology.moc"
