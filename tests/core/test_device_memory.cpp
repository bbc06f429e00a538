// Running out of device memory: a fleet device's memory_limit_gb caps what its backend may hold, an
// allocation past it fails with a message naming the buffer and the sizes, the replica adds the batch and
// the model that needed it, and a run that meets it ends failed with that message.

#include <QtTest>

#include <memory>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/data/batch.h"
#include "core/data/dataset_config.h"
#include "core/errors.h"
#include "core/fleet/replica.h"
#include "core/model/model_config.h"
#include "core/run/run_experiment.h"
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

constexpr std::size_t kibibyte = 1024;

// The message of the DeviceError that `action` throws; empty when it throws none, which no check accepts.
template <typename Action>
QString device_error_of(Action action) {
    try {
        action();
    } catch (const DeviceError& error) {
        return QString::fromUtf8(error.what());
    }
    return {};
}

struct SmallProblem {
    json dataset_json{{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"seed", 1}};
    json model_json{{"kind", "sparse_mlp"}, {"hidden", {64}}};
    json optimizer_json{{"kind", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}};
    DataSplit data = load_dataset(parse_dataset_config(ConfigReader(dataset_json, "dataset")));
    ModelConfig model_config = parse_model_config(ConfigReader(model_json, "model"));
    OptimizerConfig optimizer = parse_optimizer_config(ConfigReader(optimizer_json, "optimizer"));

    std::unique_ptr<Replica> replica_on(Backend& backend) const {
        std::unique_ptr<Model> model = create_model(model_config, data.train, 7);
        const std::vector<float> initial = model->initial_parameters(7);
        return std::make_unique<Replica>(backend, std::move(model), initial, optimizer);
    }
    HostBatch batch_of(std::int64_t size) const {
        std::vector<std::int64_t> rows(static_cast<std::size_t>(size));
        for (std::int64_t i = 0; i < size; ++i) rows[static_cast<std::size_t>(i)] = i % data.train.num_samples();
        return make_batch(data.train, rows);
    }
};

}  // namespace

class DeviceMemoryTest : public QObject {
    Q_OBJECT

private slots:
    void an_allocation_past_the_limit_fails_and_freeing_gives_the_room_back() {
        CpuBackend backend(1, 1024 * kibibyte);
        void* first = backend.allocate_bytes(600 * kibibyte, "first buffer");
        const QString message = device_error_of([&] { backend.allocate_bytes(600 * kibibyte, "second buffer"); });
        QVERIFY2(message.contains("out of device memory allocating 0.6 MiB for second buffer"), qPrintable(message));
        QVERIFY2(message.contains("0.6 MiB of the device's 1.0 MiB already in use"), qPrintable(message));
        QVERIFY2(message.contains("memory_limit_gb"), qPrintable(message));
        backend.free_bytes(first);
        void* second = backend.allocate_bytes(600 * kibibyte, "second buffer");  // the room came back
        QVERIFY(second != nullptr);
        backend.free_bytes(second);
        // Without a limit nothing is capped.
        CpuBackend unlimited(1);
        void* large = unlimited.allocate_bytes(64 * 1024 * kibibyte, "64 MiB");
        QVERIFY(large != nullptr);
        unlimited.free_bytes(large);
    }

    // Every byte a replica and its training step allocate is counted under what it is for, with or
    // without a limit, and the categories add up to the bytes in use.
    void a_replica_counts_its_memory_by_category() {
        SmallProblem problem;
        CpuBackend backend(1);
        std::unique_ptr<Replica> replica = problem.replica_on(backend);
        const auto of = [](const MemoryByCategory& bytes, MemoryCategory category) {
            return bytes[static_cast<std::size_t>(category)];
        };
        const MemoryByCategory placed = backend.memory_in_use();
        const std::size_t parameter_bytes = static_cast<std::size_t>(replica->parameters().layout().total_size()) * sizeof(float);
        QCOMPARE(of(placed, MemoryCategory::parameters), parameter_bytes);
        QVERIFY(of(placed, MemoryCategory::gradients) > 0);
        QCOMPARE(of(placed, MemoryCategory::optimizer_state), parameter_bytes);  // SGD's momentum buffer
        QCOMPARE(of(placed, MemoryCategory::activations), std::size_t(0));

        replica->train_step(problem.batch_of(64), 0.1f);
        const MemoryByCategory trained = backend.memory_in_use();
        QVERIFY(of(trained, MemoryCategory::activations) > 0);
        QCOMPARE(of(trained, MemoryCategory::parameters), parameter_bytes);
        std::size_t total = 0;
        for (std::size_t bytes : trained) total += bytes;
        QCOMPARE(total, backend.memory_limit().bytes_in_use());
        qInfo("replica on the small synthetic XMLC data, after one step of 64 rows: parameters %zu, gradients %zu, "
              "optimizer state %zu, activations %zu, workspace %zu bytes",
              trained[0], trained[1], trained[2], trained[3], trained[4]);

        replica.reset();
        for (std::size_t bytes : backend.memory_in_use()) QCOMPARE(bytes, std::size_t(0));
    }

    void a_replica_that_does_not_fit_names_the_model() {
        SmallProblem problem;
        CpuBackend backend(1, 64 * kibibyte);
        const QString message = device_error_of([&] { problem.replica_on(backend); });
        QVERIFY2(message.contains("for model parameters"), qPrintable(message));
        QVERIFY2(message.contains("while placing a replica of the model (sparse_mlp "), qPrintable(message));
        QVERIFY2(message.contains("-64-"), qPrintable(message));
        QVERIFY2(message.contains(" parameters) with its gradients and sgd state"), qPrintable(message));
    }

    void the_fused_output_layer_counts_its_working_memory() {
        // The CPU backend's blocked softmax output layer (4096 outputs and more) keeps per-block row
        // statistics, per-thread block buffers and input-gradient shares; they are backend allocations,
        // so a limit sees them and running out names them. The operands here are plain host memory, so
        // the limit only meets the operation's own allocations.
        const std::int64_t rows = 32, in = 16, outputs = 5000;
        std::vector<float> input(static_cast<std::size_t>(rows * in), 0.5f);
        std::vector<float> weight(static_cast<std::size_t>(in * outputs), 0.01f);
        std::vector<float> bias(static_cast<std::size_t>(outputs), 0.0f);
        std::vector<float> scratch(static_cast<std::size_t>(rows * outputs));
        std::vector<float> grad_weight(weight.size()), grad_bias(bias.size()), grad_input(input.size());
        std::vector<std::int64_t> offsets(static_cast<std::size_t>(rows + 1));
        std::vector<std::int32_t> columns(static_cast<std::size_t>(rows));
        for (std::int64_t r = 0; r < rows; ++r) {
            offsets[static_cast<std::size_t>(r + 1)] = r + 1;
            columns[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(r * 97 % outputs);
        }
        const std::vector<float> ones(columns.size(), 1.0f);
        LinearSoftmaxStep step;
        step.input = {input.data(), rows, in};
        step.weight = {weight.data(), in, outputs};
        step.bias = bias.data();
        step.labels = {rows, outputs, rows, offsets.data(), columns.data(), ones.data()};
        step.grad_scale = 1.0f / rows;
        step.scratch = {scratch.data(), rows, outputs};
        step.grad_weight = {grad_weight.data(), in, outputs};
        step.grad_bias = grad_bias.data();
        step.grad_input = {grad_input.data(), rows, in};

        CpuBackend measuring(2, std::size_t{1} << 40);
        measuring.linear_softmax_cross_entropy(step);
        QVERIFY2(measuring.memory_limit().bytes_in_use() > 0, "the working memory did not go through the backend");

        CpuBackend small(2, 4 * kibibyte);
        const QString message = device_error_of([&] { small.linear_softmax_cross_entropy(step); });
        QVERIFY2(message.contains("the output layer's"), qPrintable(message));
        QVERIFY2(message.contains("memory_limit_gb"), qPrintable(message));
    }

    void a_batch_that_does_not_fit_names_the_batch_and_the_model() {
        SmallProblem problem;
        // Room for the replica and a batch of 16 with 2 MiB to spare; a batch of 4,096 needs 8 MiB for
        // its logits alone.
        std::size_t bytes_for_a_small_batch = 0;
        {
            CpuBackend measuring(1, std::size_t{1} << 40);
            auto replica = problem.replica_on(measuring);
            replica->train_step(problem.batch_of(16), 0.1f);
            bytes_for_a_small_batch = measuring.memory_limit().bytes_in_use();
        }
        CpuBackend backend(1, bytes_for_a_small_batch + 2048 * kibibyte);
        auto replica = problem.replica_on(backend);
        replica->train_step(problem.batch_of(16), 0.1f);
        const QString message = device_error_of([&] { replica->train_step(problem.batch_of(4096), 0.1f); });
        QVERIFY2(message.contains("out of device memory allocating"), qPrintable(message));
        QVERIFY2(message.contains("while training on a batch of 4096 samples with the model sparse_mlp"),
                 qPrintable(message));
        QVERIFY2(message.contains("(parameters, gradients and optimizer state: "), qPrintable(message));
        // The failed step left the replica usable at a batch that fits.
        replica->train_step(problem.batch_of(16), 0.1f);
    }

    void a_run_that_runs_out_of_device_memory_ends_failed_with_the_message() {
        json document = preset_document("sparse_mlp_synthetic");
        document["fleet"]["devices"][0]["memory_limit_gb"] = 0.0001;  // 100 kB
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::failed);
        const QString error = QString::fromStdString(summary.error());
        QVERIFY2(error.contains("out of device memory") && error.contains("sparse_mlp"), qPrintable(error));
        QCOMPARE(recorder.all<RunFinished>().size(), std::size_t{1});
        QCOMPARE(recorder.all<RunFinished>().front().status, RunStatus::failed);
        QCOMPARE(recorder.all<RunFinished>().front().error, summary.error());
    }
};

QTEST_GUILESS_MAIN(DeviceMemoryTest)
#include "test_device_memory.moc"
