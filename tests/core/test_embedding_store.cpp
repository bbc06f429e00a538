// The embedding store's three placements trained on the same Zipf-distributed batches with the same
// gradients: the device cache (LRU and LFU, a table ten times the cache) and the parameter-server pull and
// push end with tables equal bit for bit to all-on-device training, for every row optimizer; what each
// moves per step follows from its design (the cache moves only misses and write-backs, the parameter
// server every distinct row both ways, virtual ids each distinct row once however often it is looked up);
// a table too large for the device's memory limit is refused for all_on_device.

#include <QtTest>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/embedding/embedding_store.h"
#include "core/errors.h"
#include "core/random/random_stream.h"
#include "core/random/zipf_sampler.h"

using namespace tb;

namespace {

constexpr std::int64_t table_rows = 20000;
constexpr int dim = 8;

EmbeddingStoreSpec spec_for(EmbeddingPlacement placement, RowOptimizer optimizer, CachePolicy policy = CachePolicy::lru) {
    EmbeddingStoreSpec spec;
    spec.table.rows = table_rows;
    spec.table.dim = dim;
    spec.table.optimizer.kind = optimizer;
    spec.table.optimizer.learning_rate = 0.05f;
    spec.table.seed = 11;
    spec.placement = placement;
    spec.cache_rows = table_rows / 10;
    spec.policy = policy;
    return spec;
}

struct Trained {
    std::vector<float> records;  // every row's record, in row order, after a flush
    EmbeddingTraffic traffic;
    std::int64_t steps = 0;
};

// 300 batches of 1,024 lookups (32 rows x 32 fields) drawn from Zipf 1.1 over the table; the gradient of
// a distinct row is a function of its current values, its id and the step, as a model's would be.
Trained train(EmbeddingStoreSpec spec) {
    CpuBackend device(1);
    EmbeddingStore store(spec, device);
    const ZipfSampler sampler(table_rows, 1.1);
    RandomStream random(4);
    std::vector<std::int64_t> lookups(1024);
    std::vector<float> gradient;
    Trained trained;
    for (int step = 0; step < 300; ++step) {
        for (std::int64_t& id : lookups) id = (sampler.draw(random) - 1) * 7 % table_rows;
        const EmbeddingStore::Prepared& batch = store.prepare(lookups);
        const std::int64_t distinct = batch.ids->distinct();
        gradient.assign(static_cast<std::size_t>(distinct * dim), 0.0f);
        for (std::int64_t k = 0; k < distinct; ++k) {
            const std::int64_t id = batch.ids->unique_ids[static_cast<std::size_t>(k)];
            for (int d = 0; d < dim; ++d) {
                const float value = batch.compact_rows.data[k * dim + d];
                gradient[static_cast<std::size_t>(k * dim + d)] = 0.5f * value + 0.01f * static_cast<float>((id + d + step) % 7 - 3);
            }
        }
        store.apply_gradient(ConstMatrixView(gradient.data(), distinct, dim));
        ++trained.steps;
    }
    store.flush();
    trained.traffic = store.total_traffic();
    std::vector<std::int64_t> all(table_rows);
    for (std::int64_t r = 0; r < table_rows; ++r) all[static_cast<std::size_t>(r)] = r;
    trained.records.resize(static_cast<std::size_t>(table_rows * store.host_table().record_floats()));
    store.host_table().read_records(all, trained.records.data());
    return trained;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

class TestEmbeddingStore : public QObject {
    Q_OBJECT

private slots:
    void every_placement_trains_the_same_table_bit_for_bit() {
        for (const RowOptimizer optimizer : {RowOptimizer::sgd, RowOptimizer::adagrad, RowOptimizer::adam}) {
            const Trained on_device = train(spec_for(EmbeddingPlacement::all_on_device, optimizer));
            const Trained lru = train(spec_for(EmbeddingPlacement::cached, optimizer, CachePolicy::lru));
            const Trained lfu = train(spec_for(EmbeddingPlacement::cached, optimizer, CachePolicy::lfu));
            const Trained server = train(spec_for(EmbeddingPlacement::parameter_server, optimizer));
            const QByteArray name = QByteArray::fromStdString(row_optimizer_names().name(optimizer));
            QVERIFY2(bitwise_equal(lru.records, on_device.records), name.constData());
            QVERIFY2(bitwise_equal(lfu.records, on_device.records), name.constData());
            QVERIFY2(bitwise_equal(server.records, on_device.records), name.constData());
            // Training moved the rows it touched: the tables are not their initial values.
            HostTableSpec fresh = spec_for(EmbeddingPlacement::cached, optimizer).table;
            HostEmbeddingTable initial(fresh);
            std::vector<float> record(static_cast<std::size_t>(initial.record_floats()));
            initial.read_records(std::vector<std::int64_t>{0}, record.data());
            QVERIFY(std::memcmp(record.data(), on_device.records.data(), record.size() * sizeof(float)) != 0);
        }
    }

    void each_placement_moves_what_its_design_says() {
        const Trained on_device = train(spec_for(EmbeddingPlacement::all_on_device, RowOptimizer::adagrad));
        const Trained cached = train(spec_for(EmbeddingPlacement::cached, RowOptimizer::adagrad));
        const Trained server = train(spec_for(EmbeddingPlacement::parameter_server, RowOptimizer::adagrad));
        const EmbeddingTraffic& c = cached.traffic;
        const EmbeddingTraffic& s = server.traffic;
        const EmbeddingTraffic& d = on_device.traffic;
        QCOMPARE(c.lookups, std::int64_t{300 * 1024});
        QCOMPARE(c.distinct_rows, s.distinct_rows);
        const double duplicate_ratio = static_cast<double>(c.lookups) / static_cast<double>(c.distinct_rows);
        QVERIFY2(duplicate_ratio > 2, qPrintable(QString::number(duplicate_ratio)));
        QCOMPARE(c.hits + c.misses, c.distinct_rows);
        const auto record_bytes = static_cast<std::int64_t>(2 * dim * sizeof(float));
        const auto row_bytes = static_cast<std::int64_t>(dim * sizeof(float));
        // The cache fetches misses and writes back evicted dirty rows (and the last dirty ones at the flush).
        QCOMPARE(c.bytes_host_to_device, c.misses * record_bytes);
        QVERIFY(c.write_backs > 0 && c.bytes_device_to_host >= c.write_backs * record_bytes);
        // The parameter server pulls and pushes every distinct row of every step.
        QCOMPARE(s.bytes_host_to_device, s.distinct_rows * row_bytes);
        QCOMPARE(s.bytes_device_to_host, s.distinct_rows * row_bytes);
        // All on device: each row crosses once, when first used, and once back at the flush.
        QCOMPARE(d.write_backs, std::int64_t{0});
        QCOMPARE(d.bytes_host_to_device, d.misses * record_bytes);
        const double hit_rate = static_cast<double>(c.hits) / static_cast<double>(c.distinct_rows);
        qInfo("duplicate ratio %.2f; cache hit rate %.3f; bytes per step: cached %.0f, parameter server %.0f, all on device %.0f",
              duplicate_ratio, hit_rate, static_cast<double>(c.bytes_host_to_device + c.bytes_device_to_host) / 300.0,
              static_cast<double>(s.bytes_host_to_device + s.bytes_device_to_host) / 300.0,
              static_cast<double>(d.bytes_host_to_device + d.bytes_device_to_host) / 300.0);
        QVERIFY(hit_rate > 0.3);
    }

    void a_table_larger_than_the_device_cannot_live_on_it() {
        EmbeddingStoreSpec spec = spec_for(EmbeddingPlacement::all_on_device, RowOptimizer::adam);
        CpuBackend small_device(1, 1 << 20);  // 1 MiB: the table's 20,000 x 25 floats need 2 MB
        QVERIFY_THROWS_EXCEPTION(DeviceError, EmbeddingStore(spec, small_device));
        spec.placement = EmbeddingPlacement::cached;
        spec.cache_rows = 1000;  // 100 kB of slots fit
        EmbeddingStore cached(spec, small_device);
        QCOMPARE(cached.dim(), dim);
        // A batch with more distinct rows than the cache holds is refused, naming the capacity.
        std::vector<std::int64_t> lookups(1500);
        for (std::size_t i = 0; i < lookups.size(); ++i) lookups[i] = static_cast<std::int64_t>(i);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cached.prepare(lookups));
    }
};

QTEST_GUILESS_MAIN(TestEmbeddingStore)
#include "test_embedding_store.moc"
