// The CPU backend promises the same bits whatever its thread count (cpu_backend.cpp: reductions sum
// fixed chunks in a fixed order), so that a run repeats exactly on a laptop and on a server. Each
// reducing operation here runs on 1, 2, 3 and 5 threads over sizes that take its parallel path, and the
// results must be identical to the last bit.

#include <QtTest>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/random/random_stream.h"

using namespace tb;

namespace {

constexpr int thread_counts[] = {1, 2, 3, 5};

std::vector<float> random_values(std::size_t count, std::uint64_t seed, float low, float high) {
    RandomStream random(seed);
    std::vector<float> values(count);
    for (float& value : values) value = low + (high - low) * static_cast<float>(random.uniform());
    return values;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

}  // namespace

class CpuThreadCountTest : public QObject {
    Q_OBJECT

private slots:
    void reductions_do_not_depend_on_the_thread_count() {
        const std::size_t count = 300'001;  // odd, and about 18 reduction chunks
        const std::vector<float> x = random_values(count, 1, -1.0f, 1.0f);
        const std::vector<float> y = random_values(count, 2, -1.0f, 1.0f);
        double sum = 0, dot = 0, squares = 0;
        for (int threads : thread_counts) {
            CpuBackend backend(threads);
            const double s = backend.sum(x.data(), static_cast<std::int64_t>(count));
            const double d = backend.dot(x.data(), y.data(), static_cast<std::int64_t>(count));
            const double q = backend.sum_of_squares(x.data(), static_cast<std::int64_t>(count));
            if (threads == 1) {
                sum = s, dot = d, squares = q;
                continue;
            }
            QVERIFY2(same_bits(s, sum) && same_bits(d, dot) && same_bits(q, squares),
                     qPrintable(QStringLiteral("%1 threads differ from 1").arg(threads)));
        }
    }

    void gemm_does_not_depend_on_the_thread_count() {
        // gemm cuts large products into one OpenBLAS call per thread (cpu_backend.cpp, split_gemm): along
        // c's columns for a wide c, along its rows for a tall one, with every transpose. Sizes are odd, so
        // that stretches end inside OpenBLAS's register blocks, and large enough to be split 5 ways.
        struct Product {
            Transpose transpose_a, transpose_b;
            std::int64_t m, n, k;
        };
        const Product products[] = {
            {Transpose::no, Transpose::no, 301, 517, 203},    // wide: split by columns
            {Transpose::yes, Transpose::no, 131, 2'053, 257},  // the weight gradient's shape
            {Transpose::no, Transpose::yes, 613, 37, 1'001},  // tall: split by rows
            {Transpose::yes, Transpose::yes, 517, 301, 203},
        };
        for (const Product& product : products) {
            const std::int64_t a_rows = product.transpose_a == Transpose::no ? product.m : product.k;
            const std::int64_t a_cols = product.transpose_a == Transpose::no ? product.k : product.m;
            const std::int64_t b_rows = product.transpose_b == Transpose::no ? product.k : product.n;
            const std::int64_t b_cols = product.transpose_b == Transpose::no ? product.n : product.k;
            const std::vector<float> a = random_values(static_cast<std::size_t>(a_rows * a_cols), 11, -1.0f, 1.0f);
            const std::vector<float> b = random_values(static_cast<std::size_t>(b_rows * b_cols), 12, -1.0f, 1.0f);
            const std::vector<float> c0 = random_values(static_cast<std::size_t>(product.m * product.n), 13, -1.0f, 1.0f);
            std::vector<float> first;
            for (int threads : thread_counts) {
                CpuBackend backend(threads);
                std::vector<float> c = c0;
                backend.gemm(product.transpose_a, product.transpose_b, 0.75f, {a.data(), a_rows, a_cols},
                             {b.data(), b_rows, b_cols}, 0.5f, {c.data(), product.m, product.n});
                if (threads == 1) {
                    first = c;
                    continue;
                }
                QVERIFY2(same_bits(c, first), qPrintable(QStringLiteral("%1 x %2 x %3 product, %4 threads")
                                                              .arg(product.m)
                                                              .arg(product.n)
                                                              .arg(product.k)
                                                              .arg(threads)));
            }
        }
    }

    void column_sums_and_losses_do_not_depend_on_the_thread_count() {
        const std::int64_t rows = 97, cols = 2'051;
        const std::vector<float> logits = random_values(static_cast<std::size_t>(rows * cols), 3, -5.0f, 5.0f);
        // Two labels per row.
        std::vector<std::int64_t> offsets{0};
        std::vector<std::int32_t> columns;
        std::vector<float> values;
        for (std::int64_t r = 0; r < rows; ++r) {
            columns.push_back(static_cast<std::int32_t>((r * 7) % cols));
            columns.push_back(static_cast<std::int32_t>((r * 13 + 5) % cols));
            if (columns[columns.size() - 2] > columns.back()) std::swap(columns[columns.size() - 2], columns.back());
            values.insert(values.end(), {1.0f, 1.0f});
            offsets.push_back(static_cast<std::int64_t>(columns.size()));
        }
        const CsrView labels{rows, cols, static_cast<std::int64_t>(columns.size()), offsets.data(), columns.data(),
                             values.data()};
        std::vector<float> first_sums, first_grad;
        double first_loss = 0;
        for (int threads : thread_counts) {
            CpuBackend backend(threads);
            std::vector<float> sums(static_cast<std::size_t>(cols));
            backend.column_sums(1.0f, {logits.data(), rows, cols}, 0.0f, sums.data());
            std::vector<float> grad(logits.size());
            const double loss = backend.softmax_cross_entropy({logits.data(), rows, cols}, labels,
                                                              {grad.data(), rows, cols}, 1.0f / rows);
            if (threads == 1) {
                first_sums = sums, first_grad = grad, first_loss = loss;
                continue;
            }
            QVERIFY2(same_bits(sums, first_sums), qPrintable(QStringLiteral("column sums, %1 threads").arg(threads)));
            QVERIFY2(same_bits(grad, first_grad), qPrintable(QStringLiteral("gradient, %1 threads").arg(threads)));
            QVERIFY2(same_bits(loss, first_loss), qPrintable(QStringLiteral("loss, %1 threads").arg(threads)));
        }
    }

    void output_layer_step_does_not_depend_on_the_thread_count() {
        // Wide enough for the blocked path of linear_softmax_cross_entropy (cpu_backend_linear_softmax.cpp):
        // 33,000 outputs make 65 blocks of 512 columns, the last one partial, more than there are
        // input-gradient slabs, so that slabs hold several blocks; a batch of 64 x 33 inputs gives GEMMs
        // that OpenBLAS would split among threads of its own.
        const std::int64_t rows = 64, in = 33, outputs = 33'000;
        const std::vector<float> input = random_values(static_cast<std::size_t>(rows * in), 8, 0.0f, 1.0f);
        const std::vector<float> weight = random_values(static_cast<std::size_t>(in * outputs), 9, -0.5f, 0.5f);
        const std::vector<float> bias = random_values(static_cast<std::size_t>(outputs), 10, -0.1f, 0.1f);
        // Two labels per row, spread over the blocks; every fifth row has none (no loss, a zero gradient).
        std::vector<std::int64_t> offsets{0};
        std::vector<std::int32_t> columns;
        std::vector<float> values;
        for (std::int64_t r = 0; r < rows; ++r) {
            if (r % 5 != 4) {
                const auto first = static_cast<std::int32_t>((r * 977) % outputs);
                const auto second = static_cast<std::int32_t>((r * 4099 + 511) % outputs);
                columns.push_back(std::min(first, second));
                columns.push_back(std::max(first, second));
                values.insert(values.end(), {1.0f, 1.0f});
            }
            offsets.push_back(static_cast<std::int64_t>(columns.size()));
        }
        const CsrView labels{rows, outputs, static_cast<std::int64_t>(columns.size()), offsets.data(), columns.data(),
                             values.data()};
        std::vector<float> first_weight_gradient, first_bias_gradient, first_input_gradient;
        double first_loss = 0;
        for (int threads : thread_counts) {
            CpuBackend backend(threads);
            std::vector<float> scratch(static_cast<std::size_t>(rows * outputs));
            std::vector<float> weight_gradient(weight.size());
            std::vector<float> bias_gradient(bias.size());
            std::vector<float> input_gradient(input.size());
            LinearSoftmaxStep step;
            step.input = {input.data(), rows, in};
            step.weight = {weight.data(), in, outputs};
            step.bias = bias.data();
            step.labels = labels;
            step.grad_scale = 1.0f / rows;
            step.scratch = {scratch.data(), rows, outputs};
            step.grad_weight = {weight_gradient.data(), in, outputs};
            step.grad_bias = bias_gradient.data();
            step.grad_input = {input_gradient.data(), rows, in};
            const double loss = backend.linear_softmax_cross_entropy(step);
            if (threads == 1) {
                first_weight_gradient = weight_gradient, first_bias_gradient = bias_gradient;
                first_input_gradient = input_gradient, first_loss = loss;
                continue;
            }
            QVERIFY2(same_bits(weight_gradient, first_weight_gradient),
                     qPrintable(QStringLiteral("weight gradient, %1 threads").arg(threads)));
            QVERIFY2(same_bits(bias_gradient, first_bias_gradient),
                     qPrintable(QStringLiteral("bias gradient, %1 threads").arg(threads)));
            QVERIFY2(same_bits(input_gradient, first_input_gradient),
                     qPrintable(QStringLiteral("input gradient, %1 threads").arg(threads)));
            QVERIFY2(same_bits(loss, first_loss), qPrintable(QStringLiteral("loss, %1 threads").arg(threads)));
        }
    }

    void optimizer_directions_and_norms_do_not_depend_on_the_thread_count() {
        const std::int64_t rows = 64, cols = 1'031;  // 66k elements: the parallel path
        const std::size_t count = static_cast<std::size_t>(rows * cols);
        const std::vector<float> weights = random_values(count, 4, -0.5f, 0.5f);
        const std::vector<float> gradient = random_values(count, 5, -0.01f, 0.01f);
        AdaptiveDirectionParameters lamb;
        lamb.decoupled_weight_decay = 0.01f;
        lamb.first_moment_correction = 10.0f;
        lamb.second_moment_correction = 1000.0f;
        std::vector<float> first_direction;
        DirectionNorms first_norms;
        for (int threads : thread_counts) {
            CpuBackend backend(threads);
            std::vector<float> m = random_values(count, 6, -0.001f, 0.001f);
            std::vector<float> v = random_values(count, 7, 0.0f, 0.0001f);
            std::vector<float> direction(count);
            const DirectionNorms norms =
                backend.adaptive_direction({weights.data(), rows, cols}, nullptr, {gradient.data(), rows, cols},
                                           m.data(), v.data(), {direction.data(), rows, cols}, lamb);
            if (threads == 1) {
                first_direction = direction, first_norms = norms;
                continue;
            }
            QVERIFY2(same_bits(direction, first_direction), qPrintable(QStringLiteral("direction, %1 threads").arg(threads)));
            QVERIFY2(same_bits(norms.weights, first_norms.weights) && same_bits(norms.gradient, first_norms.gradient) &&
                         same_bits(norms.direction, first_norms.direction),
                     qPrintable(QStringLiteral("norms, %1 threads").arg(threads)));
        }
    }
};

QTEST_GUILESS_MAIN(CpuThreadCountTest)
#include "test_cpu_thread_counts.moc"
