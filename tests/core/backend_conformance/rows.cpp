// The rows family: a table's rows lent to a batch by index (gather_rows, scatter_rows) and the row
// optimizer's step on the records a batch touched (lazy_row_update); cpu_backend_rows.cpp and
// gpu/kernels/row_kernels.cu.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

// `count` distinct rows of `rows`, in a random order.
std::vector<std::int32_t> distinct_rows(Random& random, std::int64_t rows, std::int64_t count) {
    std::vector<std::int32_t> all(static_cast<std::size_t>(rows));
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), random);
    return {all.begin(), all.begin() + count};
}

// `count` rows of `rows` drawn with repeats, as a batch looks rows up.
std::vector<std::int32_t> rows_with_repeats(Random& random, std::int64_t rows, std::int64_t count) {
    std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(rows - 1));
    std::vector<std::int32_t> drawn(static_cast<std::size_t>(count));
    for (std::int32_t& row : drawn) row = pick(random);
    return drawn;
}

struct CopyCase {
    const char* label;
    std::int64_t table_rows;
    std::int64_t cols;
    std::int64_t listed;
};

// Past the CPU backend's parallel threshold, odd widths, a single column, no rows.
const std::vector<CopyCase> copy_cases = {
    {"7 of 13x5", 13, 5, 7},       {"13 of 13x5", 13, 5, 13},        {"300 of 1000x33", 1000, 33, 300},
    {"1 of 9x1", 9, 1, 1},         {"5000 of 20000x16", 20000, 16, 5000}, {"0 of 13x5", 13, 5, 0},
};

void add_copy_cases(CaseList& cases) {
    for (const CopyCase& copy : copy_cases) {
        cases.push_back({"gather_rows", copy.label, copy.listed == 0, [=](CaseContext& context) {
            const HostMatrix source = random_matrix(context.random(), copy.table_rows, copy.cols);
            const std::vector<std::int32_t> rows = rows_with_repeats(context.random(), copy.table_rows, copy.listed);
            GuardedMatrix device_source(context, source, "source", Role::input);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            GuardedMatrix out(context, random_matrix(context.random(), copy.listed, copy.cols), "out", Role::output);
            context.backend().gather_rows(device_source.const_view(), device_rows.data(), out.view());
            context.compare("out", out.download(), reference::gather_rows(source, rows), tolerance::exact, 0.0);
        }});
        cases.push_back({"scatter_rows", copy.label, copy.listed == 0, [=](CaseContext& context) {
            const HostMatrix destination = random_matrix(context.random(), copy.table_rows, copy.cols);
            const HostMatrix in = random_matrix(context.random(), copy.listed, copy.cols);
            const std::vector<std::int32_t> rows = distinct_rows(context.random(), copy.table_rows, copy.listed);
            GuardedMatrix device_in(context, in, "in", Role::input);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            GuardedMatrix device_destination(context, destination, "destination", Role::output);
            context.backend().scatter_rows(device_in.const_view(), device_rows.data(), device_destination.view());
            context.compare("destination", device_destination.download(),
                            reference::scatter_rows(in, rows, destination), tolerance::exact, 0.0);
        }});
    }
    // The store's use: the values' columns of records that carry state after them, and a batch laid out in
    // a wider matrix; the columns around each block must come through untouched.
    for (const CopyCase& copy : {CopyCase{"40 of 200x16 as blocks", 200, 16, 40}, CopyCase{"3 of 7x1 as blocks", 7, 1, 3}}) {
        cases.push_back({"gather_rows", copy.label, false, [=](CaseContext& context) {
            const HostMatrix source = random_matrix(context.random(), copy.table_rows, copy.cols);
            const std::vector<std::int32_t> rows = rows_with_repeats(context.random(), copy.table_rows, copy.listed);
            GuardedMatrix device_source(context, widen(context.random(), source), "source", Role::input);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            const HostMatrix wide_out = widen(context.random(), random_matrix(context.random(), copy.listed, copy.cols));
            GuardedMatrix out(context, wide_out, "out", Role::output);
            auto call = [&] {
                context.backend().gather_rows(device_source.block(columns_left_of_block, copy.cols), device_rows.data(),
                                              out.block(columns_left_of_block, copy.cols));
            };
            if (strided_views_refused(context, Operation::gather_rows, call)) return;
            call();
            compare_column_block(context, "out", out.download(), wide_out, copy.cols, reference::gather_rows(source, rows),
                                 tolerance::exact, 0.0);
        }, true});
        cases.push_back({"scatter_rows", copy.label, false, [=](CaseContext& context) {
            const HostMatrix destination = random_matrix(context.random(), copy.table_rows, copy.cols);
            const HostMatrix in = random_matrix(context.random(), copy.listed, copy.cols);
            const std::vector<std::int32_t> rows = distinct_rows(context.random(), copy.table_rows, copy.listed);
            GuardedMatrix device_in(context, widen(context.random(), in), "in", Role::input);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            const HostMatrix wide_destination = widen(context.random(), destination);
            GuardedMatrix device_destination(context, wide_destination, "destination", Role::output);
            auto call = [&] {
                context.backend().scatter_rows(device_in.block(columns_left_of_block, copy.cols), device_rows.data(),
                                               device_destination.block(columns_left_of_block, copy.cols));
            };
            if (strided_views_refused(context, Operation::scatter_rows, call)) return;
            call();
            compare_column_block(context, "destination", device_destination.download(), wide_destination, copy.cols,
                                 reference::scatter_rows(in, rows, destination), tolerance::exact, 0.0);
        }, true});
    }
}

RowOptimizerSettings row_settings(RowOptimizer kind, float learning_rate) {
    RowOptimizerSettings settings;
    settings.kind = kind;
    settings.learning_rate = learning_rate;
    return settings;
}

// Records as a table holds them after some training: values of either sign, Adagrad accumulators at
// least their initial value, Adam moments with a non-negative second one and a whole step count (0 for a
// row never updated, so that its first bias correction is exercised too).
HostMatrix trained_records(Random& random, RowOptimizer kind, std::int64_t rows, std::int64_t dim) {
    const int record_floats = row_record_floats(kind, static_cast<int>(dim));
    HostMatrix records = random_matrix(random, rows, record_floats);
    std::uniform_int_distribution<int> steps(0, 40);
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t j = 0; j < dim; ++j) {
            if (kind == RowOptimizer::adagrad) records.at(r, dim + j) = 0.1f + std::fabs(records.at(r, dim + j));
            if (kind == RowOptimizer::adam) records.at(r, 2 * dim + j) = 0.01f * std::fabs(records.at(r, 2 * dim + j));
        }
        if (kind == RowOptimizer::adam) {
            const int step = steps(random);
            records.at(r, 3 * dim) = static_cast<float>(step);
            if (step == 0) {
                for (std::int64_t j = dim; j < 3 * dim; ++j) records.at(r, j) = 0.0f;
            }
        }
    }
    return records;
}

void add_update_cases(CaseList& cases) {
    struct UpdateCase {
        const char* label;
        RowOptimizer kind;
        std::int64_t table_rows;
        std::int64_t dim;
        std::int64_t listed;
        float learning_rate;
    };
    const std::vector<UpdateCase> update_cases = {
        {"sgd, 7 of 20 rows of 16", RowOptimizer::sgd, 20, 16, 7, 0.1f},
        {"adagrad, 300 of 1000 rows of 16", RowOptimizer::adagrad, 1000, 16, 300, 0.05f},
        {"adagrad, 5 of 9 rows of 1", RowOptimizer::adagrad, 9, 1, 5, 0.5f},
        {"adagrad, 3000 of 20000 rows of 64", RowOptimizer::adagrad, 20000, 64, 3000, 0.01f},
        {"adam, 300 of 1000 rows of 16", RowOptimizer::adam, 1000, 16, 300, 0.003f},
        {"adam, 40 of 50 rows of 300 (wider than a block)", RowOptimizer::adam, 50, 300, 40, 0.01f},
        {"adam, 0 rows", RowOptimizer::adam, 10, 8, 0, 0.01f},
    };
    for (const UpdateCase& update : update_cases) {
        cases.push_back({"lazy_row_update", update.label, update.listed == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostMatrix records = trained_records(random, update.kind, update.table_rows, update.dim);
            const std::vector<std::int32_t> rows = distinct_rows(random, update.table_rows, update.listed);
            const HostMatrix gradient = random_matrix(random, update.listed, update.dim);
            const RowOptimizerSettings settings = row_settings(update.kind, update.learning_rate);
            GuardedMatrix device_records(context, records, "records", Role::output);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            GuardedMatrix device_gradient(context, gradient, "gradient", Role::input);
            context.backend().lazy_row_update(device_records.view(), device_rows.data(), device_gradient.const_view(),
                                              settings);
            const std::vector<float> after = device_records.download();
            context.compare("records", after, reference::lazy_row_update(records, rows, gradient, settings),
                            tolerance::lazy_row_update, 0.0);
            // Records outside the batch keep every float, state included (the update is lazy).
            std::vector<bool> listed(static_cast<std::size_t>(update.table_rows), false);
            for (std::int32_t row : rows) listed[static_cast<std::size_t>(row)] = true;
            const auto record_bytes = static_cast<std::size_t>(records.cols) * sizeof(float);
            for (std::int64_t row = 0; row < update.table_rows; ++row) {
                const auto first = static_cast<std::size_t>(row * records.cols);
                if (!listed[static_cast<std::size_t>(row)] &&
                    std::memcmp(after.data() + first, records.values.data() + first, record_bytes) != 0) {
                    context.fail("record " + std::to_string(row) + " is not in the batch but was changed");
                    break;
                }
            }
        }});
    }
    // Records are addressed as one contiguous array on every backend; one that claims strided records must
    // show it.
    cases.push_back({"lazy_row_update", "records as a column block", false, [](CaseContext& context) {
        GuardedMatrix records(context, trained_records(context.random(), RowOptimizer::sgd, 6, 9), "records", Role::input);
        GuardedArray<std::int32_t> rows(context, {1, 4}, "rows", Role::input);
        GuardedMatrix gradient(context, random_matrix(context.random(), 2, 4), "gradient", Role::input);
        if (!strided_views_refused(context, Operation::lazy_row_update, [&] {
                context.backend().lazy_row_update(records.block(3, 4), rows.data(), gradient.const_view(),
                                                  row_settings(RowOptimizer::sgd, 0.1f));
            })) {
            context.fail("the backend claims strided records, and this suite has no reference case for them");
        }
    }, true});
}

void add_cases(CaseList& cases) {
    add_copy_cases(cases);
    add_update_cases(cases);
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    GuardedMatrix table(calls.context(), random_matrix(calls.random(), 4, 3), "table", Role::input);
    GuardedMatrix records(calls.context(), random_matrix(calls.random(), 4, 6), "records", Role::input);
    calls.attempt("gather_rows", [&] { backend.gather_rows(table.const_view(), nullptr, {nullptr, 0, 3}); });
    calls.attempt("scatter_rows", [&] { backend.scatter_rows({nullptr, 0, 3}, nullptr, table.view()); });
    calls.attempt("lazy_row_update", [&] {
        backend.lazy_row_update(records.view(), nullptr, {nullptr, 0, 3}, row_settings(RowOptimizer::adagrad, 0.1f));
    });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix table(context, random_matrix(random, 4, 4), "table", Role::input);
    GuardedMatrix narrow(context, random_matrix(random, 2, 3), "narrow", Role::input);
    GuardedMatrix wide(context, random_matrix(random, 6, 4), "wide", Role::input);
    GuardedArray<std::int32_t> rows(context, {0, 2, 1, 3, 0, 1}, "rows", Role::input);
    calls.reject("gather_rows", "out narrower than the source", [&] {
        backend.gather_rows(table.const_view(), rows.data(), narrow.view());
    });
    calls.reject("gather_rows", "rows without an index array", [&] {
        backend.gather_rows(table.const_view(), nullptr, table.view());
    });
    calls.reject("scatter_rows", "in narrower than the destination", [&] {
        backend.scatter_rows(narrow.const_view(), rows.data(), table.view());
    });
    calls.reject("scatter_rows", "more distinct rows than the destination has", [&] {
        backend.scatter_rows(wide.const_view(), rows.data(), table.view());
    });
    calls.reject("lazy_row_update", "records narrower than Adagrad's value and accumulator", [&] {
        backend.lazy_row_update(table.view(), rows.data(), {narrow.view().data, 2, 3}, row_settings(RowOptimizer::adagrad, 0.1f));
    });
    calls.reject("lazy_row_update", "a NaN learning rate", [&] {
        backend.lazy_row_update(table.view(), rows.data(), {narrow.view().data, 2, 2},
                                row_settings(RowOptimizer::adagrad, std::numeric_limits<float>::quiet_NaN()));
    });
}

// A CTR batch's rows of a cached embedding table: 40,000 distinct rows of dimension 16 out of a cache of
// 1,000,000, their values read out of Adagrad records (32 floats) for the batch, and the update of their
// records. Bytes: the rows read and written once, the indices read once; Adagrad's 6 flops a value.
constexpr std::int64_t cache_rows = 1000000;
constexpr std::int64_t batch_rows = 40000;
constexpr std::int64_t dim = 16;

void add_throughput_cases(ThroughputCaseList& cases) {
    cases.push_back({"gather_rows", "40000 of 1M rows, 16 of 32 columns", 2.0 * 4.0 * batch_rows * dim + 4.0 * batch_rows, 0.0,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto table = device_copy(backend, random_values(random, cache_rows * 2 * dim), "records");
        auto rows = device_copy(backend, distinct_rows(random, cache_rows, batch_rows), "rows");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, batch_rows * dim, "out");
        return [&backend, table, rows, out] {
            backend.gather_rows(column_block(ConstMatrixView(table->data(), cache_rows, 2 * dim), 0, dim), rows->data(),
                                {out->data(), batch_rows, dim});
        };
    }, true});
    cases.push_back({"scatter_rows", "40000 records of 32 into 1M", 2.0 * 4.0 * batch_rows * 2 * dim + 4.0 * batch_rows, 0.0,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto table = device_copy(backend, random_values(random, cache_rows * 2 * dim), "records");
        auto rows = device_copy(backend, distinct_rows(random, cache_rows, batch_rows), "rows");
        auto in = device_copy(backend, random_values(random, batch_rows * 2 * dim), "in");
        return [&backend, table, rows, in] {
            backend.scatter_rows({in->data(), batch_rows, 2 * dim}, rows->data(), {table->data(), cache_rows, 2 * dim});
        };
    }});
    cases.push_back({"lazy_row_update", "Adagrad, 40000 of 1M records of 16", 4.0 * batch_rows * (2 * 2 * dim + dim) + 4.0 * batch_rows,
                     6.0 * batch_rows * dim, [](Backend& backend, Random& random) -> std::function<void()> {
        std::vector<float> records = random_values(random, cache_rows * 2 * dim, 0.1f, 1.0f);
        auto table = device_copy(backend, records, "records");
        auto rows = device_copy(backend, distinct_rows(random, cache_rows, batch_rows), "rows");
        // Small gradients, so that repeated calls keep the accumulators finite.
        auto gradient = device_copy(backend, random_values(random, batch_rows * dim, -1e-3f, 1e-3f), "gradient");
        return [&backend, table, rows, gradient] {
            backend.lazy_row_update({table->data(), cache_rows, 2 * dim}, rows->data(), {gradient->data(), batch_rows, dim},
                                    row_settings(RowOptimizer::adagrad, 0.01f));
        };
    }});
}

}  // namespace

OperationFamily rows_family() {
    return {"rows", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
