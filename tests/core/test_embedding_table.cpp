// The host embedding table and the per-row optimizers: Adagrad and lazy Adam against the formulas worked
// in double precision, rows that were never written reading as their seeded initial values, records
// round-tripping with their state, the parameter-server update equal to updating a copy, an in-memory
// table four times the machine's memory refused with a message that says to memory-map it, and a mapped
// table of that size holding rows spread over its whole length.

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <vector>

#include "core/embedding/host_embedding_table.h"
#include "core/backend/row_optimizer.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

using namespace tb;

class TestEmbeddingTable : public QObject {
    Q_OBJECT

private slots:
    void row_optimizers_follow_their_formulas() {
        RowOptimizerSettings adagrad{RowOptimizer::adagrad, 0.5f, 1e-8f, 0.1f, 0.9f, 0.999f};
        std::vector<float> record(static_cast<std::size_t>(row_record_floats(RowOptimizer::adagrad, 2)));
        record[0] = 1.0f;
        record[1] = -1.0f;
        initialize_row_state(adagrad, 2, record.data());
        const float gradient[2] = {0.2f, -0.4f};
        update_row(adagrad, 2, record.data(), gradient);
        update_row(adagrad, 2, record.data(), gradient);
        double w = 1.0, a = 0.1;
        for (int step = 0; step < 2; ++step) {
            a += 0.2 * 0.2;
            w -= 0.5 * 0.2 / (std::sqrt(a) + 1e-8);
        }
        QVERIFY(std::abs(record[0] - w) < 1e-6);
        QVERIFY(std::abs(record[2] - a) < 1e-6);

        // Lazy Adam: the bias correction counts the row's own updates.
        RowOptimizerSettings adam{RowOptimizer::adam, 0.01f, 1e-8f, 0.1f, 0.9f, 0.999f};
        std::vector<float> row(static_cast<std::size_t>(row_record_floats(RowOptimizer::adam, 1)));
        row[0] = 0.5f;
        initialize_row_state(adam, 1, row.data());
        const float g1 = 0.3f, g2 = -0.1f;
        update_row(adam, 1, row.data(), &g1);
        update_row(adam, 1, row.data(), &g2);
        double m = 0, v = 0, x = 0.5;
        int t = 0;
        for (const double g : {0.3, -0.1}) {
            ++t;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            x -= 0.01 * (m / (1 - std::pow(0.9, t))) / (std::sqrt(v / (1 - std::pow(0.999, t))) + 1e-8);
        }
        QVERIFY2(std::abs(row[0] - x) < 1e-6, qPrintable(QString("%1 vs %2").arg(row[0]).arg(x)));
        QCOMPARE(row[3], 2.0f);
        QCOMPARE(row_record_floats(RowOptimizer::sgd, 16), 16);
        QCOMPARE(row_record_floats(RowOptimizer::adam, 16), 49);
    }

    void records_keep_their_values_and_state() {
        HostTableSpec spec;
        spec.rows = 1000;
        spec.dim = 4;
        spec.optimizer.kind = RowOptimizer::adagrad;
        spec.seed = 3;
        HostEmbeddingTable table(spec);
        QCOMPARE(table.record_floats(), 8);
        std::vector<float> first(8), again(8);
        table.read_records(std::vector<std::int64_t>{17}, first.data());
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(first[static_cast<std::size_t>(i)]) <= 0.01f);
        for (int i = 4; i < 8; ++i) QCOMPARE(first[static_cast<std::size_t>(i)], 0.1f);
        // The same initial row in another table of the same seed: initial values are a function of (seed, row).
        HostEmbeddingTable twin(spec);
        twin.read_records(std::vector<std::int64_t>{17}, again.data());
        QCOMPARE(again, first);

        // The parameter-server update is update_row on the record.
        const std::vector<float> gradient = {0.1f, 0.2f, -0.3f, 0.4f};
        table.apply_gradients(std::vector<std::int64_t>{17}, gradient.data());
        update_row(spec.optimizer, 4, again.data(), gradient.data());
        table.read_records(std::vector<std::int64_t>{17}, first.data());
        QCOMPARE(first, again);

        std::vector<float> written(16);
        for (std::size_t i = 0; i < written.size(); ++i) written[i] = static_cast<float>(i);
        table.write_records(std::vector<std::int64_t>{999, 0}, written.data());
        std::vector<float> back(16);
        table.read_records(std::vector<std::int64_t>{999, 0}, back.data());
        QCOMPARE(back, written);
        QCOMPARE(table.bytes_written(), std::int64_t{2 * 8 * 4});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, table.read_records(std::vector<std::int64_t>{1000}, back.data()));
    }

    void a_table_four_times_the_memory_needs_a_memory_map() {
        const double available = available_host_memory_bytes();
        HostTableSpec spec;
        spec.dim = 16;
        spec.optimizer.kind = RowOptimizer::sgd;
        spec.rows = static_cast<std::int64_t>(4 * available / (16 * sizeof(float)));
        QString refusal;
        try {
            HostEmbeddingTable table(spec);
        } catch (const ConfigError& error) {
            refusal = QString::fromStdString(error.what());
        }
        QVERIFY2(refusal.contains("memory-map") && refusal.contains("available"), qPrintable(refusal));

        QTemporaryDir folder;
        spec.memory_map = folder.filePath("table.f32").toStdString();
        HostEmbeddingTable mapped(spec);
        QVERIFY(mapped.memory_mapped());
        QCOMPARE(static_cast<double>(std::filesystem::file_size(spec.memory_map)), mapped.table_bytes());
        // Rows from one end of the file to the other: only the pages written take disk and memory.
        std::vector<std::int64_t> ids;
        for (std::int64_t k = 0; k < 64; ++k) ids.push_back(k * (spec.rows / 64) + k);
        std::vector<float> records(ids.size() * 16);
        for (std::size_t i = 0; i < records.size(); ++i) records[i] = static_cast<float>(i) * 0.5f;
        mapped.write_records(ids, records.data());
        std::vector<float> back(records.size());
        mapped.read_records(ids, back.data());
        QCOMPARE(back, records);
        QVERIFY(mapped.table_bytes() > 3.9 * available);
    }
};

QTEST_GUILESS_MAIN(TestEmbeddingTable)
#include "test_embedding_table.moc"
