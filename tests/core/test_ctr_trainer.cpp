// The CTR trainer (core/methods/ctr/ctr_trainer.h) on planted synthetic click data:
//   - the pipelined trainer with a device cache ten times smaller than the table computes what the
//     all-on-device baseline computes one stage at a time, bit for bit (dense parameters and every
//     embedding record), and so does the parameter-server baseline;
//   - every architecture trains end to end on the Criteo sample (../shared/data/ctr), 26 hashed fields;
//   - DeepFM trained on the planted data comes within 0.01 of the planted model's test AUC.

#include <QtTest>

#include <numeric>

#include "core/backend/cpu_backend.h"
#include "core/data/ctr/criteo_reader.h"
#include "core/data/data_paths.h"
#include "core/data/ctr/synthetic_ctr.h"
#include "core/methods/ctr/ctr_trainer.h"
#include "core/methods/ctr/sharded_ctr_trainer.h"
#include "core/metrics/classification_metrics.h"

using namespace tb;

namespace {

SyntheticCtrSpec small_data(std::int64_t train_rows, std::int64_t vocabulary) {
    SyntheticCtrSpec spec;
    spec.train_rows = train_rows;
    spec.test_rows = 20000;
    spec.dense_fields = 4;
    spec.categorical_fields = 8;
    spec.vocabulary_per_field = vocabulary;
    spec.planted_dimension = 4;
    spec.seed = 11;
    return spec;
}

CtrModelSpec model_for(const CtrRows& rows, CtrArchitecture architecture) {
    CtrModelSpec spec;
    spec.architecture = architecture;
    spec.categorical_fields = rows.categorical_fields;
    spec.dense_fields = rows.dense_fields;
    spec.embedding_dim = 8;
    spec.hidden = {64, 32};
    spec.cross_layers = 2;
    return spec;
}

EmbeddingStoreSpec store_for(const CtrRows& rows, const CtrModelSpec& model, EmbeddingPlacement placement,
                             std::int64_t cache_rows) {
    EmbeddingStoreSpec spec;
    spec.table.rows = rows.total_buckets();
    spec.table.dim = static_cast<int>(ctr_embedding_width(model));
    spec.table.optimizer.kind = RowOptimizer::adagrad;
    spec.table.optimizer.learning_rate = 0.2f;
    spec.table.seed = 3;
    spec.placement = placement;
    spec.cache_rows = cache_rows;
    spec.policy = CachePolicy::lfu;
    return spec;
}

std::vector<std::int64_t> in_order(std::int64_t n) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    return order;
}

struct Trained {
    std::vector<float> parameters;
    std::vector<float> records;
    EmbeddingTraffic traffic;
};

Trained train(const SyntheticCtr& data, EmbeddingPlacement placement, bool pipelined, std::int64_t cache_rows) {
    CpuBackend device(1);
    const CtrModelSpec model_spec = model_for(data.train, CtrArchitecture::deepfm);
    CtrModel model(model_spec, device, 5);
    EmbeddingStore store(store_for(data.train, model_spec, placement, cache_rows), device);
    CtrTrainerSettings settings;
    settings.batch_size = 256;
    settings.pipelined = pipelined;
    CtrTrainer trainer(model, store, device, settings);
    const std::vector<std::int64_t> order = in_order(data.train.rows());
    for (int epoch = 0; epoch < 2; ++epoch) trainer.train_epoch(data.train, order);
    store.flush();
    Trained result;
    result.parameters = model.parameters().download();
    std::vector<std::int64_t> ids = in_order(store.host_table().rows());
    result.records.resize(ids.size() * static_cast<std::size_t>(store.host_table().record_floats()));
    store.host_table().read_records(ids, result.records.data());
    result.traffic = store.total_traffic();
    return result;
}

}  // namespace

class TestCtrTrainer : public QObject {
    Q_OBJECT

private slots:
    void the_pipelined_cache_trains_bit_identically_to_all_on_device() {
        const SyntheticCtr data = generate_synthetic_ctr(small_data(6000, 4000));
        const std::int64_t table_rows = data.train.total_buckets();
        const Trained reference = train(data, EmbeddingPlacement::all_on_device, false, 0);
        const Trained cached = train(data, EmbeddingPlacement::cached, true, table_rows / 10);
        const Trained server = train(data, EmbeddingPlacement::parameter_server, true, 0);
        QVERIFY(reference.parameters == cached.parameters);
        QVERIFY(reference.records == cached.records);
        QVERIFY(reference.parameters == server.parameters);
        QVERIFY(reference.records == server.records);
        // The cache really was a cache: it missed and wrote back rows, which all_on_device never does
        // after the first touch of a row.
        QVERIFY(cached.traffic.write_backs > 0);
        QVERIFY(cached.traffic.misses > reference.traffic.misses);
        qInfo("cache of %lld rows for a table of %lld: hit rate %.3f over distinct rows, %lld write-backs",
              static_cast<long long>(table_rows / 10), static_cast<long long>(table_rows),
              static_cast<double>(cached.traffic.hits) / static_cast<double>(cached.traffic.distinct_rows),
              static_cast<long long>(cached.traffic.write_backs));
    }

    // Data-parallel dense part, rows sharded by id: one device is the single-device trainer bit for bit;
    // two devices train the same model up to the order of float sums, keep identical replicas, and each
    // shard writes only its own rows.
    void sharded_devices_train_the_single_device_model() {
        const SyntheticCtr data = generate_synthetic_ctr(small_data(6000, 4000));
        const CtrModelSpec model_spec = model_for(data.train, CtrArchitecture::deepfm);
        const EmbeddingStoreSpec store_spec = store_for(data.train, model_spec, EmbeddingPlacement::cached, 3200);
        const std::vector<std::int64_t> order = in_order(data.train.rows());
        CtrTrainerSettings settings;
        settings.batch_size = 256;
        settings.pipelined = false;
        auto records_of = [&](EmbeddingStore& store, std::span<const std::int64_t> ids) {
            std::vector<float> records(ids.size() * static_cast<std::size_t>(store.host_table().record_floats()));
            store.flush();
            store.host_table().read_records(ids, records.data());
            return records;
        };
        const std::vector<std::int64_t> all_ids = in_order(data.train.total_buckets());

        CpuBackend single_device(1);
        CtrModel single_model(model_spec, single_device, 5);
        EmbeddingStore single_store(store_spec, single_device);
        CtrTrainer single(single_model, single_store, single_device, settings);
        for (int epoch = 0; epoch < 2; ++epoch) single.train_epoch(data.train, order);
        const std::vector<float> single_parameters = single_model.parameters().download();
        const std::vector<float> single_records = records_of(single_store, all_ids);

        CpuBackend one(1);
        ShardedCtrTrainer one_device(model_spec, store_spec, {&one}, settings, 5);
        for (int epoch = 0; epoch < 2; ++epoch) one_device.train_epoch(data.train, order);
        QVERIFY(one_device.replica(0).parameters().download() == single_parameters);
        QVERIFY(records_of(one_device.shard(0), all_ids) == single_records);

        CpuBackend first(1), second(1);
        ShardedCtrTrainer two_devices(model_spec, store_spec, {&first, &second}, settings, 5);
        for (int epoch = 0; epoch < 2; ++epoch) two_devices.train_epoch(data.train, order);
        const std::vector<float> replica = two_devices.replica(0).parameters().download();
        QVERIFY(replica == two_devices.replica(1).parameters().download());
        double largest = 0, scale = 0;
        for (std::size_t i = 0; i < replica.size(); ++i) {
            largest = std::max(largest, static_cast<double>(std::fabs(replica[i] - single_parameters[i])));
            scale = std::max(scale, static_cast<double>(std::fabs(single_parameters[i])));
        }
        // Each row from its shard; the other shard never wrote it, so it reads as never trained there.
        const int record_floats = single_store.host_table().record_floats();
        std::vector<float> sharded_records(single_records.size());
        double largest_row = 0;
        std::size_t untouched = 0;
        for (std::int64_t id : all_ids) {
            const std::span<const std::int64_t> one_id(&all_ids[static_cast<std::size_t>(id)], 1);
            const std::vector<float> owned = records_of(two_devices.shard(static_cast<std::size_t>(id % 2)), one_id);
            const std::vector<float> other = records_of(two_devices.shard(static_cast<std::size_t>(1 - id % 2)), one_id);
            const std::vector<float> fresh = [&] {
                HostEmbeddingTable table(store_spec.table);
                std::vector<float> record(static_cast<std::size_t>(record_floats));
                table.read_records(one_id, record.data());
                return record;
            }();
            untouched += other == fresh ? 1 : 0;
            for (int j = 0; j < record_floats; ++j) {
                largest_row = std::max(largest_row, static_cast<double>(std::fabs(
                    owned[static_cast<std::size_t>(j)] - single_records[static_cast<std::size_t>(id * record_floats + j)])));
            }
        }
        qInfo("two devices against one after 2 epochs: largest parameter difference %.3g (largest parameter %.3g), "
              "largest embedding-record difference %.3g", largest, scale, largest_row);
        QCOMPARE(untouched, all_ids.size());
        QVERIFY(largest < 1e-3 * scale);
        QVERIFY(largest_row < 1e-3);
    }

    void a_cache_smaller_than_two_batches_is_refused_with_the_reason() {
        const SyntheticCtr data = generate_synthetic_ctr(small_data(2000, 2000));
        CpuBackend device(1);
        const CtrModelSpec model_spec = model_for(data.train, CtrArchitecture::wide_deep);
        CtrModel model(model_spec, device, 5);
        EmbeddingStore store(store_for(data.train, model_spec, EmbeddingPlacement::cached, 1200), device);
        CtrTrainerSettings settings;
        settings.batch_size = 256;
        CtrTrainer trainer(model, store, device, settings);
        const std::vector<std::int64_t> order = in_order(data.train.rows());
        try {
            trainer.train_epoch(data.train, order);
            QFAIL("a cache that cannot hold two batches trained");
        } catch (const std::invalid_argument& error) {
            QVERIFY2(QString(error.what()).contains("two batches"), error.what());
        }
    }

    void every_architecture_trains_on_the_criteo_sample() {
        const std::optional<std::filesystem::path> shared = shared_data_folder();
        if (!shared || !std::filesystem::is_regular_file(*shared / "ctr" / "criteo_sample.txt")) {
            QSKIP("the shared data folder with ctr/criteo_sample.txt is not there");
        }
        CriteoOptions options;
        options.buckets_per_field = 1000;
        const CtrRows rows = read_criteo(*shared / "ctr" / "criteo_sample.txt", options);
        QCOMPARE(rows.categorical_fields, 26);
        for (const CtrArchitecture architecture : {CtrArchitecture::wide_deep, CtrArchitecture::deepfm, CtrArchitecture::dcn}) {
            CpuBackend device(1);
            const CtrModelSpec model_spec = model_for(rows, architecture);
            CtrModel model(model_spec, device, 5);
            EmbeddingStore store(store_for(rows, model_spec, EmbeddingPlacement::cached, 4000), device);
            CtrTrainerSettings settings;
            settings.batch_size = 32;
            CtrTrainer trainer(model, store, device, settings);
            const std::vector<std::int64_t> order = in_order(rows.rows());
            double first_loss = 0, last_loss = 0;
            for (int epoch = 0; epoch < 20; ++epoch) {
                const CtrEpochResult result = trainer.train_epoch(rows, order);
                QCOMPARE(result.rows, rows.rows());
                (epoch == 0 ? first_loss : last_loss) = result.mean_loss;
            }
            const std::vector<double> probabilities = trainer.predict(rows);
            for (double p : probabilities) QVERIFY(p > 0.0 && p < 1.0);
            // Two hundred rows and thousands of parameters: twenty passes must fit the training rows.
            QVERIFY2(last_loss < 0.8 * first_loss, qPrintable(QString("log loss %1 -> %2").arg(first_loss).arg(last_loss)));
            qInfo("%s on the Criteo sample: training log loss %.4f -> %.4f over 20 epochs",
                  ctr_architecture_names().name(architecture).c_str(), first_loss, last_loss);
        }
    }

    void deepfm_reaches_the_planted_auc() {
        // 8 fields of 100 ids: 2,500 training rows an id on average, enough to learn the planted embeddings.
        // With 1,000 ids a field the same 2M rows leave the rare ids under-learned: 0.784 against 0.798 at
        // best (bench/RESULTS.md, planted_auc_bench).
        const SyntheticCtr data = generate_synthetic_ctr(small_data(2000000, 100));
        std::vector<std::uint8_t> truth;
        for (float label : data.test.labels) truth.push_back(label > 0.5f ? 1 : 0);
        const double planted = binary_roc_auc(data.test_click_probability, truth);
        CpuBackend device(2);
        const CtrModelSpec model_spec = model_for(data.train, CtrArchitecture::deepfm);
        CtrModel model(model_spec, device, 5);
        EmbeddingStore store(store_for(data.train, model_spec, EmbeddingPlacement::all_on_device, 0),
                             device);
        CtrTrainerSettings settings;
        settings.batch_size = 512;
        settings.dense_learning_rate = 3e-3f;
        // The figure under test is the model's; one stage at a time keeps the two cores for the backend.
        settings.pipelined = false;
        CtrTrainer trainer(model, store, device, settings);
        const std::vector<std::int64_t> order = in_order(data.train.rows());
        double auc = 0;
        for (int epoch = 0; epoch < 5; ++epoch) {
            const CtrEpochResult result = trainer.train_epoch(data.train, order);
            auc = binary_roc_auc(trainer.predict(data.test), truth);
            qInfo("epoch %d: train log loss %.4f, test AUC %.4f (planted %.4f), %.1f s", epoch + 1, result.mean_loss, auc,
                  planted, result.wall_seconds);
        }
        // Measured 0.7847 after five epochs against the planted 0.7916.
        QVERIFY2(auc > planted - 0.01, qPrintable(QString("AUC %1 against the planted %2").arg(auc).arg(planted)));
    }
};

QTEST_GUILESS_MAIN(TestCtrTrainer)
#include "test_ctr_trainer.moc"
