// Graph networks end to end: the GCN layer against a dense double-precision A X W, full-batch GCN and
// Cluster-GCN on Cora against Kipf and Welling's figure, a memory limit that full-batch GCN exceeds with
// an error naming what filled the device while Cluster-GCN trains under it, and the config mistakes a
// user can make with graphs.

#include <QtTest>

#include <cmath>
#include <numeric>
#include <random>

#include "core/backend/cpu_backend.h"
#include "core/backend/memory_category.h"
#include "core/data/data_paths.h"
#include "core/data/graph/adjacency_normalization.h"
#include "core/data/graph/synthetic_graph.h"
#include "core/errors.h"
#include "core/model/graph_convolutional_network.h"
#include "core/nn/graph/graph_convolution.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

bool cora_available() {
    try {
        resolve_data_path("graphs/cora/raw/edge.csv.gz");
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

RunSummary run(const json& document) {
    RunRecorder recorder;
    return run_experiment(parse_run_config(document), recorder);
}

double mean(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// A small synthetic graph for the memory tests: 20,000 nodes, 64 features.
json synthetic_graph_run(const std::string& method) {
    json document = preset_document("gcn_cora");
    document["dataset"] = {{"kind", "synthetic_graph"}, {"resembles", "amazon2m"}, {"nodes", 20000},
                           {"average_degree", 20}, {"features", 64}, {"seed", 3}};
    document["model"] = {{"kind", "gcn"}, {"hidden", {256, 256, 256}}, {"dropout", 0.0}};
    document["method"] = {{"kind", method}};
    if (method == "cluster_gcn") {
        document["method"]["clusters"] = 100;
        document["method"]["clusters_per_batch"] = 2;
        document["method"]["eval_clusters_per_batch"] = 10;
    }
    document["stop"] = {{"max_epochs", 1}, {"max_time_s", 600}};
    document["eval"] = {{"every_s", 600}, {"metrics", {"accuracy"}}};
    return document;
}

}  // namespace

class GraphTrainingTest : public QObject {
    Q_OBJECT

private slots:
    // One layer y = A X W + b with A = D^-1/2 (A+I) D^-1/2, against the same sum in double.
    void graph_convolution_matches_a_dense_product() {
        SyntheticGraphSpec spec;
        spec.nodes = 60;
        spec.average_degree = 5;
        spec.classes = 3;
        spec.features = 7;
        const NodeGraph graph = generate_synthetic_graph(spec);
        const HostCsr adjacency = normalize_adjacency(graph.adjacency, AdjacencyNormalization::symmetric);
        for (const std::int64_t out : {4, 11}) {  // narrowing and widening take different product orders
            CpuBackend backend;
            nn::GraphConvolution layer("layer", spec.features, out);
            ArenaLayout layout;
            layer.declare(layout);
            ParameterArena parameters(backend, layout, "parameters");
            std::mt19937 random(5);
            std::uniform_real_distribution<float> uniform(-1, 1);
            std::vector<float> values(static_cast<std::size_t>(layout.total_size()));
            for (float& v : values) v = uniform(random);
            parameters.upload(values);
            DeviceCsr device_adjacency;
            device_adjacency.upload(backend, adjacency);
            DeviceMatrix input(backend, graph.nodes, spec.features, "input");
            input.upload(graph.features);
            const nn::Forward forward = layer.forward({backend, parameters, false, &device_adjacency.view()}, input.view());
            std::vector<float> output(static_cast<std::size_t>(forward.output.size()));
            backend.copy_device_to_host(output.data(), forward.output.data, sizeof(float) * output.size());

            // Dense double: the degrees of A + I, then the sum over neighbours and self.
            std::vector<double> degree(static_cast<std::size_t>(graph.nodes), 1.0);
            for (std::int64_t i = 0; i < graph.nodes; ++i) {
                for (const std::int32_t j : graph.adjacency.row_columns(i)) degree[static_cast<std::size_t>(i)] += j != i ? 1 : 0;
            }
            const float* weight = values.data() + layout.segment(*layout.find("layer.weight")).offset;
            const float* bias = values.data() + layout.segment(*layout.find("layer.bias")).offset;
            double worst = 0;
            for (std::int64_t i = 0; i < graph.nodes; ++i) {
                std::vector<double> aggregated(static_cast<std::size_t>(spec.features), 0.0);
                std::vector<std::int64_t> neighbours{i};
                for (const std::int32_t j : graph.adjacency.row_columns(i)) {
                    if (j != i) neighbours.push_back(j);
                }
                for (const std::int64_t j : neighbours) {
                    const double a = 1.0 / std::sqrt(degree[static_cast<std::size_t>(i)] * degree[static_cast<std::size_t>(j)]);
                    for (std::int64_t f = 0; f < spec.features; ++f) aggregated[static_cast<std::size_t>(f)] += a * graph.features.at(j, f);
                }
                for (std::int64_t o = 0; o < out; ++o) {
                    double expected = bias[o];
                    for (std::int64_t f = 0; f < spec.features; ++f) expected += aggregated[static_cast<std::size_t>(f)] * weight[f * out + o];
                    const double got = output[static_cast<std::size_t>(i * out + o)];
                    worst = std::max(worst, std::fabs(got - expected) / std::max(1.0, std::fabs(expected)));
                }
            }
            qInfo("width %lld: largest relative difference from the dense double product %.3g", static_cast<long long>(out), worst);
            QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
        }
    }

    // Scoring a whole graph (Model::score) frees each layer's activations once the next layer has read
    // them, so its peak is about three n x hidden matrices whatever the depth, where a training forward
    // keeps every layer's for backward; and the scores are the same. A forward with training false still
    // keeps them (backward may follow it).
    void evaluation_holds_a_few_activation_matrices_not_every_layers() {
        SyntheticGraphSpec graph_spec;
        graph_spec.nodes = 3000;
        graph_spec.average_degree = 8;
        graph_spec.features = 48;
        const NodeGraph graph = generate_synthetic_graph(graph_spec);
        const HostCsr adjacency = normalize_adjacency(graph.adjacency, AdjacencyNormalization::symmetric);
        GcnSpec spec;
        spec.input_features = graph_spec.features;
        spec.hidden = {64, 64, 64, 64};
        spec.outputs = graph_spec.classes;
        spec.dropout = 0.0f;  // so that the training forward computes the same function
        const auto forward = [&](bool training, std::size_t& activation_peak) {
            CpuBackend backend;
            GraphConvolutionalNetwork model(spec);
            ParameterArena parameters(backend, model.layout(), "parameters");
            parameters.upload(model.initial_parameters(4));
            DeviceBatch batch;
            batch.sparse_features = false;
            batch.has_graph = true;
            batch.size = graph.nodes;
            batch.dense = DeviceMatrix(backend, graph.nodes, graph_spec.features, "features");
            batch.dense.upload(graph.features);
            batch.adjacency.upload(backend, adjacency);
            std::vector<float> scores;
            {
                const MemoryCategoryScope category(MemoryCategory::activations);
                const MatrixView logits = training ? model.forward(backend, parameters, batch, true)
                                                   : model.score(backend, parameters, batch);
                scores.resize(static_cast<std::size_t>(logits.size()));
                backend.copy_device_to_host(scores.data(), logits.data, sizeof(float) * scores.size());
            }
            activation_peak = backend.peak_memory().by_category[static_cast<std::size_t>(MemoryCategory::activations)];
            return scores;
        };
        std::size_t training_peak = 0, evaluation_peak = 0;
        const std::vector<float> trained = forward(true, training_peak);
        const std::vector<float> evaluated = forward(false, evaluation_peak);
        QCOMPARE(evaluated, trained);
        const double layer_bytes = static_cast<double>(graph.nodes) * 64 * sizeof(float);
        qInfo("activation peak of a 5-layer GCN's whole-graph forward: training %.1f, evaluation %.1f n x 64 matrices",
              static_cast<double>(training_peak) / layer_bytes, static_cast<double>(evaluation_peak) / layer_bytes);
        QVERIFY2(static_cast<double>(evaluation_peak) <= 3.05 * layer_bytes, qPrintable(QString::number(evaluation_peak)));
        QVERIFY2(training_peak > 3 * evaluation_peak, qPrintable(QString::number(training_peak)));
    }

    // Kipf and Welling report 0.815 on this split; the issue asks for at least 0.80 over 5 seeds, and
    // Cluster-GCN within 2 points of it.
    void gcn_and_cluster_gcn_reach_kipf_and_wellings_accuracy_on_cora() {
        if (!cora_available()) QSKIP("Cora is not available (../shared/data/graphs/cora or TRAINBENCH_DATA)");
        std::vector<double> full_batch, clustered;
        for (int seed = 1; seed <= 5; ++seed) {
            json gcn = preset_document("gcn_cora");
            gcn["seed"] = seed;
            const RunSummary a = run(gcn);
            QCOMPARE(a.status(), RunStatus::finished);
            full_batch.push_back(a.metrics().at("accuracy").last);
            json cluster = preset_document("cluster_gcn_cora");
            cluster["seed"] = seed;
            const RunSummary b = run(cluster);
            QCOMPARE(b.status(), RunStatus::finished);
            clustered.push_back(b.metrics().at("accuracy").last);
        }
        const auto spread = [](const std::vector<double>& v) {
            const auto [low, high] = std::minmax_element(v.begin(), v.end());
            return QString("%1 (%2 to %3)").arg(mean(v), 0, 'f', 4).arg(*low, 0, 'f', 3).arg(*high, 0, 'f', 3);
        };
        qInfo("Cora test accuracy over 5 seeds: full-batch GCN %s, Cluster-GCN %s", qPrintable(spread(full_batch)),
              qPrintable(spread(clustered)));
        QVERIFY2(mean(full_batch) >= 0.80, qPrintable(spread(full_batch)));
        QVERIFY2(std::fabs(mean(clustered) - mean(full_batch)) <= 0.02, qPrintable(spread(clustered)));
    }

    // model.layer_norm: the Cluster-GCN code's order in every hidden layer (convolution, layer
    // normalization, ReLU) and none after the last, gains that start at 1 where the biases start at 0,
    // and a full-batch GCN on Cora that still learns with it. With the preset's recipe it overfits Cora
    // (test accuracy 0.737 to 0.766 over seeds 1-5, against 0.812 to 0.820 without): the normalization
    // divides out the scale of the weights before it, so their weight decay hardly regularizes (the
    // final training loss is 0.03 against 0.41; ten times the decay brings it to 0.785).
    void layer_norm_follows_every_hidden_convolution() {
        GcnSpec spec;
        spec.input_features = 5;
        spec.hidden = {4, 3};
        spec.outputs = 2;
        spec.layer_norm = true;
        const GraphConvolutionalNetwork model(spec);
        const json description = model.describe();
        QCOMPARE(description.at("layer_norm").get<bool>(), true);
        QStringList types;
        for (const json& module : description.at("network").at("modules")) {
            types << QString::fromStdString(module.at("type").get<std::string>());
        }
        QCOMPARE(types, QStringList({"dropout", "graph_convolution", "layer_norm", "relu", "dropout",
                                     "graph_convolution", "layer_norm", "relu", "dropout", "graph_convolution"}));
        const std::vector<float> initial = model.initial_parameters(3);
        int gains = 0;
        for (const ParameterSegment& segment : model.layout().segments()) {
            const bool gain = QString::fromStdString(segment.name).endsWith(".gain");
            const bool bias = QString::fromStdString(segment.name).endsWith(".bias");
            gains += gain ? 1 : 0;
            for (std::int64_t i = 0; i < segment.size(); ++i) {
                const float value = initial[static_cast<std::size_t>(segment.offset + i)];
                if (gain) QCOMPARE(value, 1.0f);
                if (bias) QCOMPARE(value, 0.0f);
            }
        }
        QCOMPARE(gains, 2);

        if (!cora_available()) QSKIP("Cora is not available (../shared/data/graphs/cora or TRAINBENCH_DATA)");
        json document = preset_document("gcn_cora");
        document["model"]["layer_norm"] = true;
        const RunSummary summary = run(document);
        QCOMPARE(summary.status(), RunStatus::finished);
        const double accuracy = summary.metrics().at("accuracy").last;
        qInfo("Cora test accuracy of full-batch GCN with layer normalization: %.3f", accuracy);
        QVERIFY2(accuracy >= 0.70, qPrintable(QString::number(accuracy)));
    }

    // model.precompute_first_layer: A X is computed once and the first layer is a plain linear map of it.
    // Without dropout that is the same function as aggregating in the layer (A (X W) = (A X) W), so both
    // runs follow the same trajectory up to rounding; the precomputed one holds no adjacency entries for
    // the first layer's aggregation in its batches' backward.
    void precomputed_first_layer_follows_the_same_trajectory() {
        json document = preset_document("gcn_cora");
        document["dataset"] = {{"kind", "synthetic_graph"}, {"resembles", "cora"}, {"nodes", 2000}, {"seed", 2}};
        document["model"]["dropout"] = 0.0;
        document["stop"] = {{"max_epochs", 30}, {"max_time_s", 600}};
        document["eval"] = {{"every_s", 600}, {"every_epochs", 10}, {"metrics", {"accuracy", "loss"}}};
        const RunSummary aggregating = run(document);
        document["model"]["precompute_first_layer"] = true;
        const RunSummary precomputed = run(document);
        QVERIFY2(aggregating.status() == RunStatus::finished, aggregating.error().c_str());
        QVERIFY2(precomputed.status() == RunStatus::finished, precomputed.error().c_str());
        const double loss_a = aggregating.metrics().at("loss").last;
        const double loss_p = precomputed.metrics().at("loss").last;
        qInfo("test loss after 30 epochs: aggregating %.6f, precomputed %.6f", loss_a, loss_p);
        QVERIFY2(std::fabs(loss_a - loss_p) <= 1e-3 * std::fabs(loss_a), qPrintable(QString::number(loss_p)));
        QVERIFY2(aggregating.metrics().at("accuracy").last > 0.5,  // it trained: chance is 1/7
                 qPrintable(QString::number(aggregating.metrics().at("accuracy").last)));
        QCOMPARE(precomputed.metrics().at("accuracy").last, aggregating.metrics().at("accuracy").last);
    }

    // Cluster-GCN data-parallel over a simulated fleet of unequal devices: every step each device trains
    // on its own cluster batch and the gradients are summed, so both devices take every update; the
    // slow one sets the pace and the fast one waits; and it learns Cora as well as one device does.
    void cluster_gcn_trains_on_a_heterogeneous_simulated_fleet() {
        if (!cora_available()) QSKIP("Cora is not available (../shared/data/graphs/cora or TRAINBENCH_DATA)");
        json document = preset_document("cluster_gcn_cora");
        document["fleet"] = {{"clock", "simulated"},
                             {"sample_every_s", 0.0005},
                             {"devices", {{{"name", "fast"}, {"speed", 1.0}, {"peak_gflops", 100}, {"memory_gbs", 20}},
                                          {{"name", "slow"}, {"speed", 0.5}, {"peak_gflops", 100}, {"memory_gbs", 20}}}}};
        document["stop"] = {{"max_epochs", 200}, {"max_time_s", 1e6}};
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QVERIFY2(summary.status() == RunStatus::finished, summary.error().c_str());
        // Devices by their index in the fleet: 0 is "fast", 1 is "slow".
        std::map<int, std::int64_t> updates;
        std::map<int, double> busy_sum;
        std::map<int, int> samples;
        for (const DeviceSample& sample : recorder.all<DeviceSample>()) {
            updates[sample.device] = std::max(updates[sample.device], sample.updates);
            busy_sum[sample.device] += sample.busy;
            ++samples[sample.device];
        }
        QCOMPARE(updates.size(), std::size_t{2});
        QVERIFY(updates[0] > 0);
        QCOMPARE(updates[0], updates[1]);
        const double fast_busy = busy_sum[0] / samples[0];
        const double slow_busy = busy_sum[1] / samples[1];
        qInfo("%lld synchronous updates; mean busy fraction fast %.3f, slow %.3f; test accuracy %.4f",
              static_cast<long long>(updates[0]), fast_busy, slow_busy, summary.metrics().at("accuracy").last);
        QVERIFY2(slow_busy > 1.5 * fast_busy, qPrintable(QString("%1 %2").arg(fast_busy).arg(slow_busy)));
        QVERIFY2(summary.metrics().at("accuracy").last >= 0.78, qPrintable(QString::number(summary.metrics().at("accuracy").last)));
    }

    // The whole graph's activations of a 4-layer GCN do not fit in 60 MB; one batch of 2 of 100 clusters does.
    void full_batch_runs_out_of_memory_where_cluster_gcn_trains() {
        json full = synthetic_graph_run("full_batch_gcn");
        full["fleet"]["devices"][0]["memory_limit_gb"] = 0.06;
        const RunSummary failed = run(full);
        QCOMPARE(failed.status(), RunStatus::failed);
        const QString error = QString::fromStdString(failed.error());
        qInfo("%s", qPrintable(error));
        QVERIFY2(error.contains("out of device memory"), qPrintable(error));
        QVERIFY2(error.contains("activations") || error.contains("adjacency") || error.contains("features"), qPrintable(error));
        // The peaks reached before the failure are kept for the user to see what filled the device.
        QVERIFY(!failed.peak_memory().empty());
        QVERIFY(failed.peak_memory().begin()->second.by_category[static_cast<std::size_t>(MemoryCategory::adjacency)] > 0);

        json clustered = synthetic_graph_run("cluster_gcn");
        clustered["fleet"]["devices"][0]["memory_limit_gb"] = 0.06;
        const RunSummary trained = run(clustered);
        QVERIFY2(trained.status() == RunStatus::finished, trained.error().c_str());
    }

    void graph_config_mistakes_are_named() {
        json tabular_model = preset_document("gcn_cora");
        tabular_model["model"] = {{"kind", "dense_mlp"}};
        try {
            parse_run_config(tabular_model);
            QFAIL("a dense_mlp on a graph was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("model.kind dense_mlp"), error.what());
        }
        json tabular_data = preset_document("sparse_mlp_synthetic");
        tabular_data["method"] = {{"kind", "cluster_gcn"}};
        try {
            parse_run_config(tabular_data);
            QFAIL("cluster_gcn on tabular data was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("cluster_gcn"), error.what());
        }
        json too_many = preset_document("cluster_gcn_cora");
        too_many["method"]["clusters_per_batch"] = 40;
        try {
            parse_run_config(too_many);
            QFAIL("more clusters per batch than clusters was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("clusters_per_batch"), error.what());
        }
        json multi_label_softmax = synthetic_graph_run("full_batch_gcn");
        multi_label_softmax["dataset"] = {{"kind", "synthetic_graph"}, {"resembles", "ppi"}, {"nodes", 500}};
        multi_label_softmax["model"]["loss"] = "softmax";
        multi_label_softmax["eval"]["metrics"] = {"micro_f1"};
        const RunSummary refused = run(multi_label_softmax);
        QCOMPARE(refused.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(refused.error()).contains("sigmoid"), refused.error().c_str());
    }
};

QTEST_APPLESS_MAIN(GraphTrainingTest)
#include "test_graph_training.moc"
