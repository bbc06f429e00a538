// MultilayerPerceptron::forward_backward runs a dense softmax output layer and its loss as one backend
// operation (Backend::linear_softmax_cross_entropy); the base version, Model::forward_backward, runs
// forward, loss_and_gradient and backward one after the other. Both must give the same loss and the
// same gradients for every parameter, up to float rounding, with and without dropout below the output
// layer, on layers wide enough for the CPU backend's blocked path (4096 outputs and more) and on
// narrower ones; for the sigmoid loss and for a model whose output layer is sparse, the override must
// be the base version.
//
// Tolerance: the two ways differ only in the order of float operations, in the output layer and in
// what the differences carry into the layers below, so each segment's gradient must agree within
// 1e-5 of its largest magnitude (float rounding over sums of a few thousand terms is near 1e-6 of
// it) and the loss within 1e-5 of itself. A missing dropout mask, bias, label or layer is off by far
// more.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/data/batch.h"
#include "core/data/synthetic_xmlc.h"
#include "core/model/multilayer_perceptron.h"

using namespace tb;

namespace {

constexpr double relative_tolerance = 1e-5;
constexpr std::int64_t batch_rows = 40;

// A batch of `batch_rows` synthetic XMLC samples (a few labels each, spread over all outputs by a power
// law); for a dense model the same features as dense rows.
HostBatch make_test_batch(bool sparse, std::int64_t features, std::int64_t outputs) {
    SyntheticXmlcSpec spec;
    spec.num_features = features;
    spec.num_labels = outputs;
    spec.train_samples = batch_rows;
    spec.test_samples = 0;
    spec.mean_features_per_sample = sparse ? 12.0 : 6.0;
    spec.mean_labels_per_sample = 3.0;
    spec.label_power_law = 0.3;
    spec.seed = 17;
    Dataset data = generate_synthetic_xmlc(spec).train;
    if (!sparse) {
        data.dense = HostMatrix(data.sparse.rows, data.sparse.cols);
        for (std::int64_t r = 0; r < data.sparse.rows; ++r) {
            const auto columns = data.sparse.row_columns(r);
            const auto values = data.sparse.row_values(r);
            for (std::size_t k = 0; k < columns.size(); ++k) data.dense.at(r, columns[k]) = values[k];
        }
        data.sparse_features = false;
    }
    std::vector<std::int64_t> rows(static_cast<std::size_t>(batch_rows));
    std::iota(rows.begin(), rows.end(), 0);
    return make_batch(data, rows);
}

// Glorot weights as a model starts with, and biases that are not zero, so that they count.
std::vector<float> test_parameters(const MultilayerPerceptron& model) {
    std::vector<float> values = model.initial_parameters(5);
    std::mt19937 random(9);
    std::uniform_real_distribution<float> bias(-0.5f, 0.5f);
    for (const ParameterSegment& segment : model.layout().segments()) {
        if (!segment.is_vector()) continue;
        for (std::int64_t i = 0; i < segment.size(); ++i) {
            values[static_cast<std::size_t>(segment.offset + i)] = bias(random);
        }
    }
    return values;
}

struct TrainingPass {
    double loss = 0.0;
    std::vector<float> dense_gradient;                     // the dense gradient arena
    std::vector<std::vector<std::int32_t>> sparse_rows;    // per segment: the rows of a row-sparse gradient
    std::vector<std::vector<float>> sparse_values;         // per segment: their values
};

enum class Pass { model_override, base_version };

// One training pass of a fresh model (so that its dropout draws the masks from the start of its stream,
// as the other pass's model does) over the shared parameters.
TrainingPass run_pass(Backend& backend, const MlpSpec& spec, const ParameterArena& parameters,
                      const DeviceBatch& batch, Pass pass) {
    MultilayerPerceptron model(spec);
    Gradients gradients(backend, model.layout());
    const float grad_scale = 1.0f / static_cast<float>(batch.size);
    TrainingPass result;
    result.loss = pass == Pass::model_override
                      ? model.forward_backward(backend, parameters, batch, grad_scale, gradients)
                      : model.Model::forward_backward(backend, parameters, batch, grad_scale, gradients);
    result.dense_gradient = gradients.dense().download();
    const std::size_t segments = model.layout().segments().size();
    result.sparse_rows.resize(segments);
    result.sparse_values.resize(segments);
    for (std::size_t s = 0; s < segments; ++s) {
        const ParameterSegment& segment = model.layout().segment(s);
        if (!segment.row_sparse_gradient) continue;
        const RowSparseGradient& sparse = gradients.row_sparse(s);
        result.sparse_rows[s] = sparse.rows.download();
        result.sparse_rows[s].resize(static_cast<std::size_t>(sparse.row_count));
        result.sparse_values[s] = sparse.values.download().values;
        result.sparse_values[s].resize(static_cast<std::size_t>(sparse.row_count * segment.cols));
    }
    return result;
}

// The largest |a - b| over the largest |b| (not all zeros); a NaN anywhere makes it infinite.
double relative_difference(const float* a, const float* b, std::int64_t count) {
    double difference = 0.0;
    double magnitude = 0.0;
    for (std::int64_t i = 0; i < count; ++i) {
        const double here = std::fabs(static_cast<double>(a[i]) - b[i]);
        if (std::isnan(here)) return std::numeric_limits<double>::infinity();
        difference = std::max(difference, here);
        magnitude = std::max(magnitude, std::fabs(static_cast<double>(b[i])));
    }
    return difference / magnitude;
}

struct Comparison {
    std::string failure;  // empty when the passes agree
    double worst = 0.0;   // the largest relative difference of the loss or of any segment's gradient
};

// Compares the override's pass with the base version's, the loss and then segment by segment.
Comparison compare_passes(const ArenaLayout& layout, const TrainingPass& fused, const TrainingPass& base) {
    Comparison comparison;
    comparison.worst = std::fabs(fused.loss - base.loss) / std::fabs(base.loss);
    if (!(comparison.worst <= relative_tolerance)) {
        comparison.failure =
            QString::asprintf("loss %.9g, the base version's %.9g", fused.loss, base.loss).toStdString();
        return comparison;
    }
    for (std::size_t s = 0; s < layout.segments().size(); ++s) {
        const ParameterSegment& segment = layout.segment(s);
        const float* fused_values = fused.dense_gradient.data() + segment.offset;
        const float* base_values = base.dense_gradient.data() + segment.offset;
        std::int64_t count = segment.size();
        if (segment.row_sparse_gradient) {
            if (fused.sparse_rows[s] != base.sparse_rows[s]) {
                comparison.failure = segment.name + ": the gradients' rows differ";
                return comparison;
            }
            fused_values = fused.sparse_values[s].data();
            base_values = base.sparse_values[s].data();
            count = static_cast<std::int64_t>(base.sparse_values[s].size());
        }
        // A zero gradient would compare equal to anything else computed as zero: it would say nothing.
        if (std::all_of(base_values, base_values + count, [](float v) { return v == 0.0f; })) {
            comparison.failure = segment.name + ": the base version's gradient is all zeros";
            return comparison;
        }
        const double difference = relative_difference(fused_values, base_values, count);
        comparison.worst = std::max(comparison.worst, difference);
        if (!(difference <= relative_tolerance)) {
            comparison.failure = QString::asprintf("%s: the gradients differ by %.3g of the largest magnitude",
                                                   segment.name.c_str(), difference)
                                     .toStdString();
            return comparison;
        }
    }
    return comparison;
}

}  // namespace

class FusedOutputLayerTest : public QObject {
    Q_OBJECT

private slots:
    void forward_backward_matches_the_base_version_data() {
        QTest::addColumn<bool>("sparse");
        QTest::addColumn<QString>("loss");
        QTest::addColumn<QList<int>>("hidden");
        QTest::addColumn<int>("outputs");
        QTest::addColumn<double>("dropout");
        QTest::newRow("sparse_mlp, hidden 32, 4100 outputs") << true << "softmax" << QList<int>{32} << 4100 << 0.0;
        QTest::newRow("sparse_mlp, hidden 32, 4100 outputs, dropout 0.3")
            << true << "softmax" << QList<int>{32} << 4100 << 0.3;
        QTest::newRow("dense_mlp, hidden 24 and 16, 4611 outputs, dropout 0.25")
            << false << "softmax" << QList<int>{24, 16} << 4611 << 0.25;
        QTest::newRow("dense_mlp, hidden 24, 17000 outputs") << false << "softmax" << QList<int>{24} << 17000 << 0.0;
        QTest::newRow("dense_mlp, no hidden layer, 4100 outputs") << false << "softmax" << QList<int>{} << 4100 << 0.0;
        QTest::newRow("dense_mlp, hidden 8, 29 outputs, dropout 0.3")
            << false << "softmax" << QList<int>{8} << 29 << 0.3;
        QTest::newRow("sparse_mlp, no hidden layer (a sparse output layer)")
            << true << "softmax" << QList<int>{} << 4100 << 0.0;
        QTest::newRow("sparse_mlp sigmoid, hidden 32, 4100 outputs")
            << true << "sigmoid" << QList<int>{32} << 4100 << 0.0;
        QTest::newRow("dense_mlp sigmoid, hidden 16, 4100 outputs, dropout 0.3")
            << false << "sigmoid" << QList<int>{16} << 4100 << 0.3;
    }

    void forward_backward_matches_the_base_version() {
        QFETCH(bool, sparse);
        QFETCH(QString, loss);
        QFETCH(QList<int>, hidden);
        QFETCH(int, outputs);
        QFETCH(double, dropout);
        CpuBackend backend;
        MlpSpec spec;
        spec.sparse_input = sparse;
        spec.input_features = sparse ? 500 : 40;
        spec.hidden.assign(hidden.begin(), hidden.end());
        spec.outputs = outputs;
        spec.loss = parse_loss_kind(loss.toStdString());
        spec.dropout = static_cast<float>(dropout);
        spec.dropout_seed = 3;
        const MultilayerPerceptron layout_owner(spec);
        ParameterArena parameters(backend, layout_owner.layout(), "parameters");
        parameters.upload(test_parameters(layout_owner));
        DeviceBatch batch;
        batch.upload(backend, make_test_batch(sparse, spec.input_features, spec.outputs));

        const TrainingPass fused = run_pass(backend, spec, parameters, batch, Pass::model_override);
        const TrainingPass base = run_pass(backend, spec, parameters, batch, Pass::base_version);
        const Comparison comparison = compare_passes(layout_owner.layout(), fused, base);
        QVERIFY2(comparison.failure.empty(), comparison.failure.c_str());
        qInfo("largest difference: %.3g of the loss or of a segment's largest gradient", comparison.worst);

        if (dropout > 0.0 && !hidden.isEmpty()) {
            // The masks must have dropped something, or the case would test nothing beyond dropout 0.
            MlpSpec without_dropout = spec;
            without_dropout.dropout = 0.0f;
            const TrainingPass undropped = run_pass(backend, without_dropout, parameters, batch, Pass::base_version);
            QVERIFY2(undropped.dense_gradient != base.dense_gradient, "dropout changed no gradient");
        }
    }
};

QTEST_GUILESS_MAIN(FusedOutputLayerTest)
#include "test_fused_output_layer.moc"
