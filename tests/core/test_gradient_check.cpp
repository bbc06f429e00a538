// Finite-difference gradient checks of both models (sparse_mlp, dense_mlp, with each loss) against central
// differences of the loss on the CPU backend. Every module they are built from has its own check in the
// table-driven suite over the module registry (test_module_gradients.cpp).
// Tolerance: central differences with step h have truncation error O(h^2) and float round-off about
// 1e-7 * |loss| / h; with h = 3e-3 both stay under 1e-4, so |analytic - numeric| <= 2e-3 + 3e-2 * scale
// leaves room for float accumulation while still catching a wrong sign, scale or transposition.

#include <QtTest>

#include <cmath>
#include <functional>
#include <random>

#include "core/backend/cpu_backend.h"
#include "core/data/batch.h"
#include "core/model/multilayer_perceptron.h"

using namespace tb;

namespace {

constexpr double step = 3e-3;

Dataset random_dataset(bool sparse, std::int64_t samples, std::int64_t features, std::int64_t labels, bool multi_label,
                       std::uint32_t seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> value(0.2f, 1.5f);
    Dataset data;
    data.name = "random";
    data.sparse_features = sparse;
    data.task = multi_label ? TaskKind::multi_label : TaskKind::single_label;
    data.sparse.cols = features;
    data.labels.cols = labels;
    if (!sparse) data.dense = HostMatrix(samples, features);
    for (std::int64_t r = 0; r < samples; ++r) {
        if (sparse) {
            std::vector<std::int32_t> columns;
            for (std::int32_t c = 0; c < features; ++c) {
                if (random() % 3 == 0) columns.push_back(c);
            }
            std::vector<float> values(columns.size());
            for (float& v : values) v = value(random);
            data.sparse.append_row(columns, values);
        } else {
            for (std::int64_t c = 0; c < features; ++c) data.dense.at(r, c) = value(random) - 0.8f;
        }
        std::vector<std::int32_t> row_labels;
        if (multi_label) {
            for (std::int32_t l = 0; l < labels; ++l) {
                if (random() % 3 == 0) row_labels.push_back(l);
            }
        } else {
            row_labels.push_back(static_cast<std::int32_t>(random() % labels));
        }
        std::vector<float> ones(row_labels.size(), 1.0f);
        data.labels.append_row(row_labels, ones);
    }
    return data;
}

// Compares the analytic gradient of every parameter with central differences of `loss`.
void check_parameters(ParameterArena& parameters, const std::function<double()>& loss,
                      const std::function<float(std::size_t segment, std::int64_t index)>& analytic,
                      const std::vector<std::size_t>& segments) {
    std::vector<float> host = parameters.download();
    double worst = 0;
    for (std::size_t s : segments) {
        const ParameterSegment& segment = parameters.layout().segment(s);
        for (std::int64_t i = 0; i < segment.size(); ++i) {
            float& w = host[static_cast<std::size_t>(segment.offset + i)];
            const float original = w;
            w = original + static_cast<float>(step);
            parameters.upload(host);
            const double plus = loss();
            w = original - static_cast<float>(step);
            parameters.upload(host);
            const double minus = loss();
            w = original;
            parameters.upload(host);
            const double numeric = (plus - minus) / (2 * step);
            const double exact = analytic(s, i);
            const double difference = std::fabs(numeric - exact);
            worst = std::max(worst, difference);
            if (difference > 2e-3 + 3e-2 * std::max(std::fabs(numeric), std::fabs(exact))) {
                QFAIL(qPrintable(QString("%1[%2]: analytic %3, finite difference %4")
                                     .arg(QString::fromStdString(segment.name))
                                     .arg(i)
                                     .arg(exact)
                                     .arg(numeric)));
            }
        }
    }
    qInfo("largest |analytic - finite difference|: %.3g", worst);
}

std::vector<float> random_vector(std::int64_t count, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> values(static_cast<std::size_t>(count));
    for (float& v : values) v = value(random);
    return values;
}

}  // namespace

class GradientCheck : public QObject {
    Q_OBJECT

private slots:
    void models_data() {
        QTest::addColumn<bool>("sparse");
        QTest::addColumn<QString>("loss");
        QTest::addColumn<bool>("multi_label");
        QTest::addColumn<int>("hidden_layers");
        QTest::newRow("sparse_mlp softmax multi-label") << true << "softmax" << true << 1;
        QTest::newRow("sparse_mlp sigmoid multi-label") << true << "sigmoid" << true << 1;
        QTest::newRow("sparse_mlp two hidden") << true << "softmax" << true << 2;
        QTest::newRow("dense_mlp softmax single-label") << false << "softmax" << false << 1;
        QTest::newRow("dense_mlp no hidden") << false << "softmax" << false << 0;
        QTest::newRow("dense_mlp two hidden sigmoid") << false << "sigmoid" << true << 2;
    }

    void models() {
        QFETCH(bool, sparse);
        QFETCH(QString, loss);
        QFETCH(bool, multi_label);
        QFETCH(int, hidden_layers);
        CpuBackend backend;
        const Dataset data = random_dataset(sparse, 6, 7, 4, multi_label, 21);
        MlpSpec spec;
        spec.sparse_input = sparse;
        spec.input_features = 7;
        spec.hidden.assign(static_cast<std::size_t>(hidden_layers), 5);
        spec.outputs = 4;
        spec.loss = parse_loss_kind(loss.toStdString());
        MultilayerPerceptron model(spec);
        ParameterArena parameters(backend, model.layout(), "test");
        // Random biases as well as weights: with the initial zero biases, a row whose hidden units are
        // all inactive puts the next layer exactly on ReLU's kink, where differences are meaningless.
        parameters.upload(random_vector(model.layout().total_size(), 3));
        Gradients gradients(backend, model.layout());
        const std::vector<std::int64_t> rows{0, 1, 2, 3, 4, 5};
        DeviceBatch batch;
        batch.upload(backend, make_batch(data, rows));
        DeviceMatrix grad_logits(backend, 6, 4, "grad logits");
        const auto loss_value = [&] {
            const ConstMatrixView logits = model.forward(backend, parameters, batch, false);
            return loss_and_gradient(backend, model.loss(), logits, batch.labels.view(), MatrixView{}, 1.0f) / 6.0;
        };
        const ConstMatrixView logits = model.forward(backend, parameters, batch, false);
        loss_and_gradient(backend, model.loss(), logits, batch.labels.view(), grad_logits.view(), 1.0f / 6.0f);
        model.backward(backend, parameters, batch, grad_logits.view(), gradients);
        const std::vector<float> dense = gradients.dense().download();
        std::vector<std::size_t> segments;
        for (std::size_t s = 0; s < model.layout().segments().size(); ++s) segments.push_back(s);
        const auto analytic = [&](std::size_t s, std::int64_t i) -> float {
            const ParameterSegment& segment = model.layout().segment(s);
            if (!segment.row_sparse_gradient) return dense[static_cast<std::size_t>(segment.offset + i)];
            const RowSparseGradient& g = gradients.row_sparse(s);
            const std::vector<std::int32_t> touched = g.rows.download();
            const std::vector<float> values = g.values.download().values;
            for (std::int64_t k = 0; k < g.row_count; ++k) {
                if (touched[static_cast<std::size_t>(k)] == i / segment.cols) {
                    return values[static_cast<std::size_t>(k * segment.cols + i % segment.cols)];
                }
            }
            return 0.0f;
        };
        check_parameters(parameters, loss_value, analytic, segments);
    }
};

QTEST_GUILESS_MAIN(GradientCheck)
#include "test_gradient_check.moc"
