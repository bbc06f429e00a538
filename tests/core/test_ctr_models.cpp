// The CTR models end to end on the CPU backend: for each architecture, the gradient of
// L = sum(logits * P) (P fixed and random) with respect to every entry of the compact embedding table
// (through the embedding bags, the factorization machine, the cross layers and the first-order weights)
// and to every dense parameter, against central differences (L(w + h) - L(w - h)) / 2h.
//
// The batch repeats ids within and across rows, so a compact row's gradient sums several lookups, the
// case virtual sparse ids exist for. Tolerance as in test_module_gradients: float forward, h = 3e-3,
// |analytic - numeric| <= 2e-3 + 3e-2 max(|analytic|, |numeric|).

#include <QtTest>

#include <cmath>
#include <random>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/model/ctr_models.h"

using namespace tb;

namespace {

constexpr double step = 3e-3;
constexpr std::int64_t rows = 4;
constexpr std::int64_t fields = 3;
constexpr std::int64_t distinct = 5;

std::vector<float> uniform(std::size_t count, std::uint32_t seed, float scale) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> value(-scale, scale);
    std::vector<float> values(count);
    for (float& v : values) v = value(random);
    return values;
}

struct Problem {
    CtrModelSpec spec;
    std::vector<std::int32_t> ids;  // rows x fields virtual ids
    std::vector<float> table;       // distinct x width
    std::vector<float> dense;       // rows x dense fields
    std::vector<float> projection;  // rows
};

Problem problem(CtrArchitecture architecture) {
    Problem p;
    p.spec.architecture = architecture;
    p.spec.categorical_fields = fields;
    p.spec.dense_fields = 2;
    p.spec.embedding_dim = 3;
    p.spec.hidden = {5, 4};
    p.spec.cross_layers = 2;
    // Row 0 and row 2 share ids; id 1 appears in two fields.
    p.ids = {0, 1, 2, 3, 1, 4, 0, 1, 2, 4, 4, 1};
    const std::int64_t width = ctr_embedding_width(p.spec);
    p.table = uniform(static_cast<std::size_t>(distinct * width), 3, 0.8f);
    p.dense = uniform(static_cast<std::size_t>(rows * p.spec.dense_fields), 4, 1.0f);
    p.projection = uniform(static_cast<std::size_t>(rows), 5, 1.0f);
    return p;
}

// L for the given table and dense parameters (all else as in the problem).
double loss(CpuBackend& backend, const Problem& p, const std::vector<float>& table, const std::vector<float>& parameters) {
    CtrModel model(p.spec, backend, 7);
    model.parameters().upload(parameters);
    DeviceCsr lookups;
    lookups.upload(backend, nn::bag_lookups(rows, fields, distinct, p.ids));
    DeviceMatrix device_table(backend, distinct, ctr_embedding_width(p.spec), "table");
    device_table.upload(HostMatrix(distinct, ctr_embedding_width(p.spec), table));
    DeviceMatrix dense(backend, rows, p.spec.dense_fields, "dense");
    dense.upload(HostMatrix(rows, p.spec.dense_fields, p.dense));
    const ConstMatrixView logits = model.forward(lookups.view(), device_table.view(), dense.view(), true);
    double total = 0;
    for (std::int64_t r = 0; r < rows; ++r) total += static_cast<double>(logits.data[r]) * p.projection[static_cast<std::size_t>(r)];
    return total;
}

void check_close(const char* what, std::size_t index, double analytic, double numeric) {
    const double allowed = 2e-3 + 3e-2 * std::max(std::fabs(analytic), std::fabs(numeric));
    if (std::fabs(analytic - numeric) > allowed) {
        QFAIL(qPrintable(QString("%1 %2: analytic %3, finite difference %4").arg(what).arg(index).arg(analytic).arg(numeric)));
    }
}

}  // namespace

class CtrModels : public QObject {
    Q_OBJECT

private slots:
    void gradients_match_finite_differences_data() {
        QTest::addColumn<int>("architecture");
        QTest::newRow("wide_deep") << static_cast<int>(CtrArchitecture::wide_deep);
        QTest::newRow("deepfm") << static_cast<int>(CtrArchitecture::deepfm);
        QTest::newRow("dcn") << static_cast<int>(CtrArchitecture::dcn);
    }

    void gradients_match_finite_differences() {
        QFETCH(int, architecture);
        const Problem p = problem(static_cast<CtrArchitecture>(architecture));
        CpuBackend backend(1);
        CtrModel model(p.spec, backend, 7);
        const std::vector<float> parameters = [&] {
            std::vector<float> values = model.parameters().download();
            // Non-zero biases, so that a bias gradient routed to the wrong place shows.
            const std::vector<float> noise = uniform(values.size(), 8, 0.3f);
            for (std::size_t i = 0; i < values.size(); ++i) values[i] += noise[i];
            return values;
        }();
        model.parameters().upload(parameters);

        DeviceCsr lookups;
        lookups.upload(backend, nn::bag_lookups(rows, fields, distinct, p.ids));
        const std::int64_t width = ctr_embedding_width(p.spec);
        DeviceMatrix table(backend, distinct, width, "table");
        table.upload(HostMatrix(distinct, width, p.table));
        DeviceMatrix dense(backend, rows, p.spec.dense_fields, "dense");
        dense.upload(HostMatrix(rows, p.spec.dense_fields, p.dense));
        model.forward(lookups.view(), table.view(), dense.view(), true);
        DeviceMatrix grad_logits(backend, rows, 1, "grad");
        grad_logits.upload(HostMatrix(rows, 1, p.projection));
        DeviceMatrix table_gradient(backend, distinct, width, "table gradient");
        model.backward(grad_logits.view(), table_gradient.view());
        const std::vector<float> analytic_table = table_gradient.download().values;
        const std::vector<float> analytic_parameters = model.gradients().dense().download();

        for (std::size_t i = 0; i < p.table.size(); ++i) {
            std::vector<float> plus = p.table, minus = p.table;
            plus[i] += static_cast<float>(step);
            minus[i] -= static_cast<float>(step);
            const double numeric = (loss(backend, p, plus, parameters) - loss(backend, p, minus, parameters)) / (2 * step);
            check_close("table entry", i, analytic_table[i], numeric);
        }
        std::size_t checked = 0;
        for (const ParameterSegment& segment : model.layout().segments()) {
            for (std::int64_t k = 0; k < segment.size(); ++k, ++checked) {
                const std::size_t i = static_cast<std::size_t>(segment.offset + k);
                std::vector<float> plus = parameters, minus = parameters;
                plus[i] += static_cast<float>(step);
                minus[i] -= static_cast<float>(step);
                const double numeric = (loss(backend, p, p.table, plus) - loss(backend, p, p.table, minus)) / (2 * step);
                check_close(segment.name.c_str(), static_cast<std::size_t>(k), analytic_parameters[i], numeric);
            }
        }
        // Every table entry is looked up, so none of its gradient may be left at zero by a missing path.
        int zero_entries = 0;
        for (float g : analytic_table) zero_entries += g == 0.0f ? 1 : 0;
        QCOMPARE(zero_entries, 0);
        qInfo("%zu table entries and %zu parameters checked", p.table.size(), checked);
    }

    void mean_bags_divide_by_the_bag_size() {
        // Two rows, one field, bags of 2 and 1 ids.
        const std::vector<std::int32_t> ids{0, 1, 1};
        const std::vector<std::int64_t> offsets{0, 2, 3};
        const HostCsr lookups = nn::bag_lookups(2, 1, 2, ids, offsets, nn::BagCombiner::mean);
        QCOMPARE(lookups.values, (std::vector<float>{0.5f, 0.5f, 1.0f}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, nn::bag_lookups(2, 1, 1, ids, offsets));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, nn::bag_lookups(2, 2, 2, ids));
    }
};

QTEST_GUILESS_MAIN(CtrModels)
#include "test_ctr_models.moc"
