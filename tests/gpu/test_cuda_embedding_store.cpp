// The embedding store and the CTR trainer on a GPU (ScaleFreeCTR's setting: the table in host memory,
// hot rows cached in GPU memory):
//   - the cached store (LRU and LFU, a table ten times the cache) trains the table the all-on-device
//     store trains, bit for bit, for every row optimizer, and both move exactly the rows the CPU's stores
//     move; the tables agree with the CPU's to float rounding (the GPU contracts multiply-adds);
//   - the pipelined CTR trainer with a GPU cache ends two epochs of DeepFM at the CPU's training loss and
//     test AUC (one device-memory cache, its table manager and device worker on two host threads sharing
//     the GPU's stream).
// Skipped, with the driver's reason, where there is no GPU.

#include <QtTest>

#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/data/ctr/synthetic_ctr.h"
#include "core/embedding/embedding_store.h"
#include "core/methods/ctr/ctr_trainer.h"
#include "core/metrics/classification_metrics.h"
#include "core/random/random_stream.h"
#include "core/random/zipf_sampler.h"
#include "gpu/cuda_backend.h"
#include "tests/gpu/gpu_presence.h"

using namespace tb;

namespace {

constexpr std::int64_t table_rows = 20000;
constexpr int dim = 8;

EmbeddingStoreSpec spec_for(EmbeddingPlacement placement, RowOptimizer optimizer, CachePolicy policy) {
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
};

// 200 batches of 1,024 Zipf-distributed lookups; a distinct row's gradient is a function of its current
// values (read back from the device), its id and the step, as a model's would be.
Trained train(Backend& device, const EmbeddingStoreSpec& spec) {
    EmbeddingStore store(spec, device);
    const ZipfSampler sampler(table_rows, 1.1);
    RandomStream random(4);
    std::vector<std::int64_t> lookups(1024);
    std::vector<float> rows;
    std::vector<float> gradient;
    DeviceBuffer<float> device_gradient;
    for (int step = 0; step < 200; ++step) {
        for (std::int64_t& id : lookups) id = (sampler.draw(random) - 1) * 7 % table_rows;
        const EmbeddingStore::Prepared& batch = store.prepare(lookups);
        const std::int64_t distinct = batch.ids->distinct();
        rows.resize(static_cast<std::size_t>(distinct * dim));
        device.copy_device_to_host(rows.data(), batch.compact_rows.data, rows.size() * sizeof(float));
        gradient.resize(rows.size());
        for (std::int64_t k = 0; k < distinct; ++k) {
            const std::int64_t id = batch.ids->unique_ids[static_cast<std::size_t>(k)];
            for (int d = 0; d < dim; ++d) {
                const auto e = static_cast<std::size_t>(k * dim + d);
                gradient[e] = 0.5f * rows[e] + 0.01f * static_cast<float>((id + d + step) % 7 - 3);
            }
        }
        if (device_gradient.size() < distinct * dim) device_gradient = DeviceBuffer<float>(device, distinct * dim, "gradient");
        device_gradient.upload(gradient);
        store.apply_gradient(ConstMatrixView(device_gradient.data(), distinct, dim));
    }
    store.flush();
    Trained trained;
    trained.traffic = store.total_traffic();
    std::vector<std::int64_t> all(table_rows);
    std::iota(all.begin(), all.end(), 0);
    trained.records.resize(static_cast<std::size_t>(table_rows * store.host_table().record_floats()));
    store.host_table().read_records(all, trained.records.data());
    return trained;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool same_traffic(const EmbeddingTraffic& a, const EmbeddingTraffic& b) {
    return a.lookups == b.lookups && a.distinct_rows == b.distinct_rows && a.hits == b.hits && a.misses == b.misses &&
           a.write_backs == b.write_backs && a.bytes_host_to_device == b.bytes_host_to_device &&
           a.bytes_device_to_host == b.bytes_device_to_host;
}

std::unique_ptr<gpu::CudaBackend> make_gpu() {
    gpu::CudaBackendOptions options;
    return std::make_unique<gpu::CudaBackend>(std::move(options));
}

struct TrainerResult {
    double last_epoch_loss = 0;
    double test_auc = 0;
    EmbeddingTraffic traffic;
};

TrainerResult train_ctr(Backend& device, const SyntheticCtr& data, EmbeddingPlacement placement, bool pipelined) {
    CtrModelSpec model_spec;
    model_spec.architecture = CtrArchitecture::deepfm;
    model_spec.categorical_fields = data.train.categorical_fields;
    model_spec.dense_fields = data.train.dense_fields;
    model_spec.embedding_dim = 8;
    model_spec.hidden = {64, 32};
    CtrModel model(model_spec, device, 5);
    EmbeddingStoreSpec store_spec;
    store_spec.table.rows = data.train.total_buckets();
    store_spec.table.dim = static_cast<int>(ctr_embedding_width(model_spec));
    store_spec.table.optimizer.kind = RowOptimizer::adagrad;
    store_spec.table.optimizer.learning_rate = 0.2f;
    store_spec.table.seed = 3;
    store_spec.placement = placement;
    store_spec.cache_rows = data.train.total_buckets() / 10;
    store_spec.policy = CachePolicy::lfu;
    EmbeddingStore store(store_spec, device);
    CtrTrainerSettings settings;
    settings.batch_size = 256;
    settings.pipelined = pipelined;
    CtrTrainer trainer(model, store, device, settings);
    std::vector<std::int64_t> order(static_cast<std::size_t>(data.train.rows()));
    std::iota(order.begin(), order.end(), 0);
    TrainerResult result;
    for (int epoch = 0; epoch < 2; ++epoch) result.last_epoch_loss = trainer.train_epoch(data.train, order).mean_loss;
    const std::vector<double> scores = trainer.predict(data.test, 4096);
    std::vector<std::uint8_t> truth(data.test.labels.size());
    for (std::size_t i = 0; i < truth.size(); ++i) truth[i] = data.test.labels[i] > 0.5f ? 1 : 0;
    result.test_auc = binary_roc_auc(scores, truth);
    result.traffic = store.total_traffic();
    return result;
}

}  // namespace

class TestCudaEmbeddingStore : public QObject {
    Q_OBJECT

private slots:
    void the_gpu_cache_trains_the_all_on_device_table_bit_for_bit() {
        TB_SKIP_WITHOUT_GPU();
        const std::unique_ptr<gpu::CudaBackend> device = make_gpu();
        for (const RowOptimizer optimizer : {RowOptimizer::sgd, RowOptimizer::adagrad, RowOptimizer::adam}) {
            const QByteArray name = QByteArray::fromStdString(row_optimizer_names().name(optimizer));
            const Trained on_device = train(*device, spec_for(EmbeddingPlacement::all_on_device, optimizer, CachePolicy::lru));
            const Trained lru = train(*device, spec_for(EmbeddingPlacement::cached, optimizer, CachePolicy::lru));
            const Trained lfu = train(*device, spec_for(EmbeddingPlacement::cached, optimizer, CachePolicy::lfu));
            QVERIFY2(bitwise_equal(lru.records, on_device.records), name.constData());
            QVERIFY2(bitwise_equal(lfu.records, on_device.records), name.constData());
            QVERIFY2(lru.traffic.write_backs > 0, name.constData());

            // The CPU's store plans the same rows and moves the same bytes; its values differ by rounding.
            CpuBackend cpu(1);
            const Trained cpu_lru = train(cpu, spec_for(EmbeddingPlacement::cached, optimizer, CachePolicy::lru));
            QVERIFY2(same_traffic(cpu_lru.traffic, lru.traffic), name.constData());
            double largest = 0;
            for (std::size_t i = 0; i < lru.records.size(); ++i) {
                largest = std::max(largest, static_cast<double>(std::fabs(lru.records[i] - cpu_lru.records[i])) /
                                                (1.0 + std::fabs(cpu_lru.records[i])));
            }
            qInfo("%s: GPU cache against the CPU's after 200 steps: largest record difference %.3g (relative to 1 + |value|)",
                  name.constData(), largest);
            QVERIFY2(largest < 1e-4, name.constData());
        }
    }

    void the_pipelined_trainer_on_the_gpu_reaches_the_cpus_loss_and_auc() {
        TB_SKIP_WITHOUT_GPU();
        SyntheticCtrSpec spec;
        spec.train_rows = 20000;
        spec.test_rows = 10000;
        spec.dense_fields = 4;
        spec.categorical_fields = 8;
        spec.vocabulary_per_field = 2000;
        spec.planted_dimension = 4;
        spec.seed = 11;
        const SyntheticCtr data = generate_synthetic_ctr(spec);
        const std::unique_ptr<gpu::CudaBackend> device = make_gpu();
        const TrainerResult gpu_cached = train_ctr(*device, data, EmbeddingPlacement::cached, true);
        const TrainerResult gpu_whole = train_ctr(*device, data, EmbeddingPlacement::all_on_device, false);
        CpuBackend cpu(0);
        const TrainerResult cpu_cached = train_ctr(cpu, data, EmbeddingPlacement::cached, true);
        qInfo("DeepFM, 2 epochs: training loss GPU cached %.6f, GPU all on device %.6f, CPU cached %.6f; test AUC %.4f, "
              "%.4f, %.4f; GPU cache hit rate %.3f",
              gpu_cached.last_epoch_loss, gpu_whole.last_epoch_loss, cpu_cached.last_epoch_loss, gpu_cached.test_auc,
              gpu_whole.test_auc, cpu_cached.test_auc,
              static_cast<double>(gpu_cached.traffic.hits) / static_cast<double>(gpu_cached.traffic.distinct_rows));
        QVERIFY(same_traffic(gpu_cached.traffic, cpu_cached.traffic));
        QVERIFY(std::fabs(gpu_cached.last_epoch_loss - cpu_cached.last_epoch_loss) < 1e-3 * cpu_cached.last_epoch_loss);
        QVERIFY(std::fabs(gpu_whole.last_epoch_loss - gpu_cached.last_epoch_loss) < 1e-3 * gpu_cached.last_epoch_loss);
        QVERIFY(std::fabs(gpu_cached.test_auc - cpu_cached.test_auc) < 0.005);
        QVERIFY(gpu_cached.test_auc > 0.6);
    }
};

QTEST_APPLESS_MAIN(TestCudaEmbeddingStore)
#include "test_cuda_embedding_store.moc"
