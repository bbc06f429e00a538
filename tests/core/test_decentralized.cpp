// Decentralized training over topologies: dsgd, dsgdm, qg_dsgdm and gradient_tracking train on a
// non-IID split and report the averaged model, every worker's model and the consensus distance; gossip
// on the complete graph keeps the workers identical while a ring lets them differ; the quasi-global
// momentum follows the paper's update; simulated runs repeat exactly; the rate scales with the workers'
// batch when asked to; a slow worker slows the rounds; the wall clock runs them too; configuration
// mistakes are errors that name the key.

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <numeric>

#include "core/config/preset_catalog.h"
#include "core/data/dataset_config.h"
#include "core/methods/decentralized/qg_dsgdm.h"
#include "core/run/run_experiment.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

// A small synthetic task on `workers` simulated CPU-class devices (so that a step's time grows with its
// batch), split non-IID across them.
json decentralized_config(const json& method, int workers = 6) {
    json devices = json::array();
    for (int i = 0; i < workers; ++i) {
        devices.push_back({{"name", "w" + std::to_string(i)}, {"peak_gflops", 100}, {"memory_gbs", 20}});
    }
    return {{"name", "decentralized-test"},
            {"method", method},
            {"dataset",
             {{"kind", "synthetic_xmlc"},
              {"shape", "small"},
              {"train_samples", 4000},
              {"test_samples", 500},
              {"partition", {{"kind", "dirichlet"}, {"alpha", 0.5}, {"seed", 2}}}}},
            {"model", {{"kind", "sparse_mlp"}, {"hidden", {16}}, {"loss", "softmax"}}},
            {"optimizer", {{"kind", "sgd"}, {"lr", 1.0}, {"momentum", 0.9}, {"nesterov", true}}},
            {"fleet", {{"clock", "simulated"}, {"sample_every_s", 0.002}, {"devices", devices}}},
            {"stop", {{"max_time_s", 1000}, {"max_epochs", 2}}},
            {"eval", {{"every_s", 1000}, {"every_epochs", 1}, {"metrics", {"p@1", "loss"}}}},
            {"seed", 5}};
}

RunSummary run(const json& document, RunRecorder& recorder) {
    return run_experiment(parse_run_config(document), recorder);
}

std::vector<std::string> logs_containing(const RunRecorder& recorder, const std::string& text) {
    std::vector<std::string> found;
    for (const Log& log : recorder.all<Log>()) {
        if (log.text.find(text) != std::string::npos) found.push_back(log.text);
    }
    return found;
}

// P@1 of always predicting the training set's most frequent label: what a model that learned nothing
// about the features scores.
double frequency_baseline_p_at_1(const json& document) {
    const DataSplit data = load_dataset(parse_run_config(document).dataset);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(data.train.num_labels()), 0);
    for (const std::int32_t label : data.train.labels.column_indices) ++counts[static_cast<std::size_t>(label)];
    const auto most_frequent = static_cast<std::int32_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    std::int64_t hits = 0;
    for (std::int64_t row = 0; row < data.test.num_samples(); ++row) {
        const auto labels = data.test.labels.row_columns(row);
        hits += std::binary_search(labels.begin(), labels.end(), most_frequent) ? 1 : 0;
    }
    return static_cast<double>(hits) / static_cast<double>(data.test.num_samples());
}

std::string run_error(const json& document) {
    try {
        RunRecorder recorder;
        return run(document, recorder).error();
    } catch (const std::exception& error) {
        return error.what();
    }
}

}  // namespace

class DecentralizedTest : public QObject {
    Q_OBJECT

private slots:
    void every_method_learns_and_reports_workers_and_consensus() {
        const double baseline = frequency_baseline_p_at_1(decentralized_config({{"kind", "dsgdm"}}));
        for (const char* kind : {"dsgd", "dsgdm", "qg_dsgdm", "gradient_tracking"}) {
            json document = decentralized_config({{"kind", kind}, {"batch_size", 16}});
            if (std::string(kind) == "dsgd" || std::string(kind) == "gradient_tracking") {
                // Without momentum: the momentum runs' effective step, lr / (1 - 0.9).
                document["optimizer"] = {{"kind", "sgd"}, {"lr", 5.0}};
            }
            RunRecorder recorder;
            const RunSummary summary = run(document, recorder);
            QVERIFY2(summary.status() == RunStatus::finished, qPrintable(QString::fromStdString(std::string(kind) + ": " + summary.error())));
            const std::vector<Eval> evals = recorder.all<Eval>();
            QVERIFY2(evals.size() >= 3, kind);
            for (const Eval& eval : evals) {
                QVERIFY2(eval.metrics.contains("p@1") && eval.metrics.contains("consensus_distance") &&
                             eval.metrics.contains("worker0.p@1") && eval.metrics.contains("worker5.p@1") &&
                             eval.metrics.contains("worker_mean.p@1"),
                         kind);
            }
            // Every replica starts from the same model; gossip then keeps them apart by a finite amount.
            QCOMPARE(evals.front().metrics.at("consensus_distance"), 0.0);
            QVERIFY2(evals.back().metrics.at("consensus_distance") > 0, kind);
            const double first = evals.front().metrics.at("p@1");
            const double last = evals.back().metrics.at("p@1");
            qInfo("%-18s averaged-model P@1 %.3f -> %.3f (frequency baseline %.3f), workers' mean %.3f, consensus "
                  "distance %.3g", kind, first, last, baseline, evals.back().metrics.at("worker_mean.p@1"),
                  evals.back().metrics.at("consensus_distance"));
            QVERIFY2(last > baseline + 0.05, kind);

            QCOMPARE(logs_containing(recorder, "spectral gap").size(), std::size_t{1});
            const std::vector<std::string> histograms = logs_containing(recorder, "class histogram worker");
            QCOMPARE(histograms.size(), std::size_t{6});
            std::int64_t rows = 0;
            for (const std::string& line : histograms) rows += std::stoll(line.substr(line.find("): ") + 3));
            QCOMPARE(rows, std::int64_t{4000});
        }
    }

    void complete_graph_gossip_keeps_workers_identical_and_a_ring_does_not() {
        json complete = decentralized_config({{"kind", "dsgd"}, {"topology", {{"kind", "complete"}}}, {"evaluate_workers", false}});
        complete["optimizer"] = {{"kind", "sgd"}, {"lr", 0.5}};
        complete["stop"]["max_epochs"] = 1;
        json ring = complete;
        ring["method"]["topology"] = {{"kind", "ring"}};
        RunRecorder on_complete;
        RunRecorder on_ring;
        QCOMPARE(run(complete, on_complete).status(), RunStatus::finished);
        QCOMPARE(run(ring, on_ring).status(), RunStatus::finished);
        const double complete_distance = on_complete.all<Eval>().back().metrics.at("consensus_distance");
        const double ring_distance = on_ring.all<Eval>().back().metrics.at("consensus_distance");
        qInfo("consensus distance after one epoch: complete graph %.3g, ring %.3g", complete_distance, ring_distance);
        // Metropolis-Hastings weights on the complete graph are all 1/n: exact averaging up to rounding.
        QVERIFY(complete_distance < 1e-9);
        QVERIFY(ring_distance > 1e-6);

        // Each run shows its gossip weights once, as a matrix over the workers: all 1/n on the complete
        // graph; on the ring, Metropolis-Hastings gives 1/3 to each neighbour and to itself, 0 elsewhere.
        for (const auto& [recorder, complete_graph] : {std::pair{&on_complete, true}, std::pair{&on_ring, false}}) {
            const std::vector<MatrixSnapshot> snapshots = recorder->all<MatrixSnapshot>();
            QCOMPARE(snapshots.size(), std::size_t{1});
            const MatrixSnapshot& mixing = snapshots.front();
            QCOMPARE(mixing.name, std::string("mixing matrix"));
            QCOMPARE(mixing.rows, std::int64_t{6});
            QCOMPARE(mixing.cols, std::int64_t{6});
            QCOMPARE(mixing.labels.rows.front(), std::string("w0"));
            for (std::int64_t i = 0; i < 6; ++i) {
                for (std::int64_t j = 0; j < 6; ++j) {
                    const std::int64_t hops = std::min((i - j + 6) % 6, (j - i + 6) % 6);
                    const double expected = complete_graph ? 1.0 / 6 : (hops <= 1 ? 1.0 / 3 : 0.0);
                    QVERIFY(std::abs(mixing.values[static_cast<std::size_t>(i * 6 + j)] - expected) < 1e-12);
                }
            }
        }
    }

    void quasi_global_momentum_follows_the_paper() {
        // m_hat <- mu m_hat + (1 - mu) (x - x_new) / lr (Lin et al. 2021, Algorithm 1, lines 7-8).
        std::vector<float> momentum = {1.0f, -2.0f, 0.0f};
        QgDsgdm::update_quasi_global_momentum(momentum, {1.0f, 1.0f, 1.0f}, {0.5f, 1.5f, 1.0f}, 0.25, 0.9);
        QCOMPARE(momentum[0], static_cast<float>(0.9 * 1.0 + 0.1 * (0.5 / 0.25)));
        QCOMPARE(momentum[1], static_cast<float>(0.9 * -2.0 + 0.1 * (-0.5 / 0.25)));
        QCOMPARE(momentum[2], 0.0f);
        // With mu = 0.5 and no previous momentum the buffer is half the displacement over the rate.
        std::vector<float> fresh = {0.0f};
        QgDsgdm::update_quasi_global_momentum(fresh, {2.0f}, {1.0f}, 0.5, 0.5);
        QCOMPARE(fresh[0], 1.0f);
    }

    void quasi_global_momentum_differs_from_local_momentum() {
        // Same data, topology, seed and optimizer: only the momentum buffer differs, so the runs must.
        json local = decentralized_config({{"kind", "dsgdm"}, {"evaluate_workers", false}});
        local["stop"]["max_epochs"] = 1;
        json quasi_global = local;
        quasi_global["method"]["kind"] = "qg_dsgdm";
        RunRecorder first;
        RunRecorder second;
        QCOMPARE(run(local, first).status(), RunStatus::finished);
        QCOMPARE(run(quasi_global, second).status(), RunStatus::finished);
        QVERIFY(first.all<Eval>().back().metrics.at("loss") != second.all<Eval>().back().metrics.at("loss"));
    }

    void simulated_runs_repeat_exactly() {
        json document = decentralized_config({{"kind", "qg_dsgdm"}, {"topology", {{"kind", "torus"}, {"rows", 2}}}});
        document["stop"]["max_epochs"] = 1;
        RunRecorder first;
        RunRecorder second;
        QCOMPARE(run(document, first).status(), RunStatus::finished);
        QCOMPARE(run(document, second).status(), RunStatus::finished);
        const std::vector<Eval> a = first.all<Eval>();
        const std::vector<Eval> b = second.all<Eval>();
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) QVERIFY(a[i].metrics == b[i].metrics);
        QCOMPARE(first.events.back().t, second.events.back().t);
    }

    void the_rate_scales_with_the_worker_batch() {
        // optimizer.lr_reference_batch: a rate of 2 at a reference batch of 32 is a rate of 1 at the
        // workers' batch of 16, the same run as a plain rate of 1.
        json plain = decentralized_config({{"kind", "dsgdm"}, {"batch_size", 16}, {"evaluate_workers", false}});
        plain["stop"]["max_epochs"] = 0.5;
        json scaled = plain;
        scaled["optimizer"]["lr"] = 2.0;
        scaled["optimizer"]["lr_reference_batch"] = 32;
        RunRecorder first;
        RunRecorder second;
        QCOMPARE(run(plain, first).status(), RunStatus::finished);
        QCOMPARE(run(scaled, second).status(), RunStatus::finished);
        QVERIFY(first.all<Eval>().back().metrics == second.all<Eval>().back().metrics);
        json unscaled = scaled;
        unscaled["optimizer"].erase("lr_reference_batch");
        RunRecorder third;
        QCOMPARE(run(unscaled, third).status(), RunStatus::finished);
        QVERIFY(first.all<Eval>().back().metrics != third.all<Eval>().back().metrics);
    }

    void a_slow_worker_slows_every_round() {
        json even = decentralized_config({{"kind", "dsgdm"}, {"evaluate_workers", false}});
        even["stop"]["max_epochs"] = 1;
        // Links fast enough that the steps, not the gossip, take the time.
        for (json& device : even["fleet"]["devices"]) device.update({{"link_gbs", 1e6}, {"link_latency_us", 0}});
        json one_slow = even;
        one_slow["fleet"]["devices"][3]["speed"] = 0.25;
        RunRecorder even_recorder;
        RunRecorder slow_recorder;
        const double even_clock = run(even, even_recorder).run_clock_s();
        const double slow_clock = run(one_slow, slow_recorder).run_clock_s();
        qInfo("one epoch: %.4f s simulated on an even fleet, %.4f s with one worker at speed 0.25", even_clock, slow_clock);
        // Synchronous rounds: every round waits for the slow worker's step, about 4x the others'.
        QVERIFY(slow_clock > 2.5 * even_clock);
        // Its neighbours idle while they wait: they are busy a smaller fraction of the time.
        double neighbour_busy = 0;
        int samples = 0;
        for (const DeviceSample& sample : slow_recorder.all<DeviceSample>()) {
            if (sample.device == 2 || sample.device == 4) {
                neighbour_busy += sample.busy;
                ++samples;
            }
        }
        QVERIFY(samples > 0);
        QVERIFY(neighbour_busy / samples < 0.5);
    }

    void the_wall_clock_runs_gossip_too() {
        json document = decentralized_config({{"kind", "qg_dsgdm"}, {"evaluate_workers", false}}, 4);
        document["fleet"]["clock"] = "wall";
        document["fleet"]["sample_every_s"] = 0.05;
        document["stop"]["max_epochs"] = 1;
        RunRecorder recorder;
        const RunSummary summary = run(document, recorder);
        QVERIFY2(summary.status() == RunStatus::finished, summary.error().c_str());
        QVERIFY(summary.samples_seen() >= 4000);
        QVERIFY(summary.run_clock_s() > 0);
    }

    void configuration_mistakes_name_the_key() {
        const auto parse_error = [](const json& document) -> std::string {
            try {
                parse_run_config(document);
            } catch (const std::exception& error) {
                return error.what();
            }
            return "no error";
        };
        json document = decentralized_config({{"kind", "dsgdm"}, {"topology", {{"kind", "expander"}, {"degre", 4}}}});
        QVERIFY2(parse_error(document).find("method.topology.degre") != std::string::npos, parse_error(document).c_str());
        document = decentralized_config({{"kind", "dsgdm"}, {"topology", {{"kind", "expander"}, {"degree", 3}}}});
        QVERIFY2(parse_error(document).find("method.topology.degree") != std::string::npos, parse_error(document).c_str());
        document = decentralized_config({{"kind", "dsgdm"}, {"topology", {{"kind", "star"}, {"weights", "uniform_ring"}}}});
        QVERIFY2(parse_error(document).find("method.topology.weights") != std::string::npos, parse_error(document).c_str());
        document = decentralized_config({{"kind", "qg_dsgdm"}, {"mu", 1.5}});
        QVERIFY2(parse_error(document).find("method.mu") != std::string::npos, parse_error(document).c_str());
        document = decentralized_config({{"kind", "dsgdm"}});
        document["dataset"]["partition"] = {{"kind", "dirichlet"}, {"alpha", -1}};
        QVERIFY2(parse_error(document).find("dataset.partition.alpha") != std::string::npos, parse_error(document).c_str());
        document["dataset"]["partition"] = {{"kind", "dirichlet"}, {"alfa", 1}};
        QVERIFY2(parse_error(document).find("dataset.partition.alfa") != std::string::npos, parse_error(document).c_str());

        // An optimizer the method's own step overrides is a parse error naming both sections.
        document = decentralized_config({{"kind", "dsgd"}});
        QVERIFY2(parse_error(document).find("optimizer.momentum") != std::string::npos, parse_error(document).c_str());
        document = decentralized_config({{"kind", "gradient_tracking"}});
        QVERIFY2(parse_error(document).find("optimizer.momentum") != std::string::npos, parse_error(document).c_str());
        document = decentralized_config({{"kind", "qg_dsgdm"}});
        document["optimizer"] = {{"kind", "adam"}};
        QVERIFY2(parse_error(document).find("optimizer.kind 'adam'") != std::string::npos, parse_error(document).c_str());

        // Mistakes only the fleet reveals end the run with the key in the error.
        document = decentralized_config({{"kind", "dsgdm"}, {"topology", {{"kind", "torus"}, {"rows", 4}}}});
        QVERIFY2(run_error(document).find("method.topology.rows") != std::string::npos, run_error(document).c_str());
        QTemporaryDir folder;
        const std::string triangle = folder.path().toStdString() + "/triangle.csv";
        std::ofstream(triangle) << "0,1\n1,2\n2,0\n";
        document = decentralized_config({{"kind", "dsgdm"}, {"topology", {{"kind", "edge_list"}, {"file", triangle}}}});
        QVERIFY2(run_error(document).find("method.topology.file") != std::string::npos, run_error(document).c_str());
    }

    void presets_name_the_papers_setting() {
        for (const char* name : {"decentralized_ring16", "decentralized_social32"}) {
            const auto path = find_preset(name);
            QVERIFY2(path.has_value(), name);
            json document = read_json_file(*path);
            document.erase("description");
            const RunConfig config = parse_run_config(document, path->parent_path());
            QCOMPARE(config.fleet.devices.size(), std::size_t{std::string(name) == "decentralized_ring16" ? 16u : 32u});
            QCOMPARE(config.dataset.partition.kind, std::string("dirichlet"));
            QCOMPARE(config.method.kind, std::string("qg_dsgdm"));
        }
        // A few rounds of the ring preset on Fashion-MNIST, when it is installed.
        const auto path = find_preset("decentralized_ring16");
        json document = read_json_file(*path);
        document.erase("description");
        try {
            load_dataset(parse_run_config(document).dataset);
        } catch (const std::exception& error) {
            QSKIP(qPrintable(QString("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): %1").arg(error.what())));
        }
        document["stop"]["max_epochs"] = 0.05;
        document["method"]["evaluate_workers"] = false;
        document["eval"]["max_samples"] = 1000;
        RunRecorder recorder;
        const RunSummary summary = run(document, recorder);
        QVERIFY2(summary.status() == RunStatus::finished, summary.error().c_str());
        QCOMPARE(logs_containing(recorder, "class histogram worker").size(), std::size_t{16});
        qInfo("ring of 16, 0.05 epochs of Fashion-MNIST: accuracy %.3f", summary.metrics().at("accuracy").last);
        QVERIFY(summary.metrics().at("accuracy").last > 0.3);
    }
};

QTEST_GUILESS_MAIN(DecentralizedTest)
#include "test_decentralized.moc"
