// Running out of device memory: a fleet device's memory_limit_gb caps what its backend may hold, an
// allocation past it fails with a message naming the buffer, its category and the sizes by category, the
// replica adds the batch and the model that needed it, and a run that meets it ends failed with that
// message. The backends keep each category's peak and the peak of the total, and a run's summary carries
// every device's peaks.

#include <QtTest>

#include <array>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/backend/device_memory_limit.h"
#include "core/backend/memory_category.h"
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
        QVERIFY2(message.contains("out of device memory allocating 600.0 KiB of workspace for second buffer"),
                 qPrintable(message));
        QVERIFY2(message.contains("600.0 KiB of the device's 1.0 MiB already in use (workspace 600.0 KiB)"),
                 qPrintable(message));
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
        QCOMPARE(of(trained, MemoryCategory::adjacency), std::size_t(0));  // no graph here
        QCOMPARE(of(trained, MemoryCategory::features), std::size_t(0));
        qInfo("replica on the small synthetic XMLC data, after one step of 64 rows: parameters %zu, gradients %zu, "
              "optimizer state %zu, activations %zu, workspace %zu bytes",
              of(trained, MemoryCategory::parameters), of(trained, MemoryCategory::gradients),
              of(trained, MemoryCategory::optimizer_state), of(trained, MemoryCategory::activations),
              of(trained, MemoryCategory::workspace));

        replica.reset();
        for (std::size_t bytes : backend.memory_in_use()) QCOMPARE(bytes, std::size_t(0));
    }

    void every_category_has_its_own_name() {
        std::set<std::string> names;
        for (MemoryCategory category : all_memory_categories) names.insert(to_string(category));
        QCOMPARE(names.size(), memory_category_count);
        QVERIFY(names.count("adjacency") == 1 && names.count("features") == 1 && names.count("optimizer state") == 1);
    }

    // A peak is the most a category (or all of them together) held at once: freeing does not lower it,
    // and the total's peak is not the sum of the categories' peaks when they peak at different moments.
    void peaks_by_category_survive_frees() {
        CpuBackend backend(1);
        void* adjacency = nullptr;
        void* features = nullptr;
        {
            const MemoryCategoryScope category(MemoryCategory::adjacency);
            adjacency = backend.allocate_bytes(300 * kibibyte, "adjacency");
        }
        {
            const MemoryCategoryScope category(MemoryCategory::features);
            features = backend.allocate_bytes(100 * kibibyte, "node features");
        }
        {
            const MemoryCategoryScope category(MemoryCategory::activations);
            void* layer_one = backend.allocate_bytes(200 * kibibyte, "layer 1 activations");
            backend.free_bytes(layer_one);
            void* layer_two = backend.allocate_bytes(50 * kibibyte, "layer 2 activations");
            backend.free_bytes(layer_two);
        }
        void* merge_buffer = backend.allocate_bytes(150 * kibibyte, "merge buffer");  // workspace: no scope

        const auto at = [](MemoryCategory category) { return static_cast<std::size_t>(category); };
        const DeviceMemoryLimit& counts = backend.memory_limit();
        const MemoryByCategory in_use = backend.memory_in_use();
        QCOMPARE(in_use[at(MemoryCategory::activations)], std::size_t(0));
        QCOMPARE(counts.bytes_in_use(), 550 * kibibyte);

        const MemoryPeaks peaks = backend.peak_memory();
        QCOMPARE(peaks.by_category[at(MemoryCategory::adjacency)], 300 * kibibyte);
        QCOMPARE(peaks.by_category[at(MemoryCategory::features)], 100 * kibibyte);
        QCOMPARE(peaks.by_category[at(MemoryCategory::activations)], 200 * kibibyte);  // survives the free
        QCOMPARE(peaks.by_category[at(MemoryCategory::workspace)], 150 * kibibyte);
        QCOMPARE(peaks.by_category[at(MemoryCategory::parameters)], std::size_t(0));
        // 600 KiB while layer 1's activations lived; the categories' peaks add up to 750 KiB.
        QCOMPARE(peaks.total, 600 * kibibyte);
        QCOMPARE(counts.peak_bytes(), peaks.total);
        QVERIFY(counts.peak_by_category() == peaks.by_category);

        backend.free_bytes(merge_buffer);
        backend.free_bytes(adjacency);
        backend.free_bytes(features);
        QCOMPARE(counts.bytes_in_use(), std::size_t(0));
        QCOMPARE(counts.peak_bytes(), 600 * kibibyte);
    }

    void reset_peaks_starts_them_again_from_what_is_in_use() {
        DeviceMemoryLimit counts;  // no limit: counting only
        const auto at = [](MemoryCategory category) { return static_cast<std::size_t>(category); };
        std::array<char, 4> buffers{};  // stand-ins for device pointers: only their addresses are used
        {
            const MemoryCategoryScope category(MemoryCategory::features);
            counts.record(&buffers[0], 1000);
        }
        {
            const MemoryCategoryScope category(MemoryCategory::activations);
            counts.record(&buffers[1], 5000);
        }
        counts.release(&buffers[1]);
        QCOMPARE(counts.peak_bytes(), std::size_t{6000});

        counts.reset_peaks();
        QVERIFY(counts.peak_by_category() == counts.bytes_by_category());
        QCOMPARE(counts.peak_bytes(), std::size_t{1000});
        {
            const MemoryCategoryScope category(MemoryCategory::activations);
            counts.record(&buffers[2], 2000);
        }
        counts.release(&buffers[2]);
        QCOMPARE(counts.peak_by_category()[at(MemoryCategory::activations)], std::size_t{2000});
        QCOMPARE(counts.peak_by_category()[at(MemoryCategory::features)], std::size_t{1000});
        QCOMPARE(counts.peak_bytes(), std::size_t{3000});
        QCOMPARE(counts.peaks().total, counts.peak_bytes());
    }

    // What the user reads when a graph step does not fit: the category and size of the allocation that
    // failed, what holds the device by category, and the limit, on one line.
    void the_over_limit_message_names_the_category_and_the_sizes() {
        CpuBackend backend(1, 2 * 1024 * kibibyte);
        std::vector<void*> held;
        const auto allocate = [&](MemoryCategory category, std::size_t bytes, const char* what) {
            const MemoryCategoryScope scope(category);
            held.push_back(backend.allocate_bytes(bytes, what));
        };
        allocate(MemoryCategory::adjacency, 1024 * kibibyte, "normalized adjacency");
        allocate(MemoryCategory::features, 512 * kibibyte, "node features");
        allocate(MemoryCategory::parameters, 3 * kibibyte, "model parameters");
        const QString message = device_error_of([&] {
            const MemoryCategoryScope category(MemoryCategory::activations);
            backend.allocate_bytes(768 * kibibyte, "layer activations");
        });
        qInfo("%s", qPrintable(message));
        QVERIFY2(message.startsWith("cpu: out of device memory allocating 768.0 KiB of activations for layer activations: "),
                 qPrintable(message));
        QVERIFY2(message.contains("1.5 MiB of the device's 2.0 MiB already in use "
                                  "(adjacency 1.0 MiB, features 512.0 KiB, parameters 3.0 KiB)"),
                 qPrintable(message));
        QVERIFY2(message.contains("memory_limit_gb"), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
        // The failed allocation is not counted, nor is it a peak.
        QCOMPARE(backend.memory_limit().bytes_in_use(), 1539 * kibibyte);
        QCOMPARE(backend.peak_memory().total, 1539 * kibibyte);
        for (void* pointer : held) backend.free_bytes(pointer);
    }

    void the_summary_keeps_each_devices_highest_peaks() {
        RunSummary summary;
        QVERIFY(!summary.to_json().contains("peak_memory_bytes"));  // nothing recorded, nothing written
        MemoryPeaks first;
        first.by_category[static_cast<std::size_t>(MemoryCategory::adjacency)] = 4096;
        first.by_category[static_cast<std::size_t>(MemoryCategory::activations)] = 1000;
        first.total = 5000;
        MemoryPeaks second;
        second.by_category[static_cast<std::size_t>(MemoryCategory::activations)] = 3000;
        second.total = 4000;
        summary.record_peak_memory("gpu0", first);
        summary.record_peak_memory("gpu0", second);
        summary.record_peak_memory("cpu0", MemoryPeaks{});  // a backend that counts nothing
        const json peaks = summary.to_json().at("peak_memory_bytes");
        QCOMPARE(peaks.size(), std::size_t{1});
        const json& gpu0 = peaks.at("gpu0");
        QCOMPARE(gpu0.at("adjacency").get<std::size_t>(), std::size_t{4096});
        QCOMPARE(gpu0.at("activations").get<std::size_t>(), std::size_t{3000});
        QCOMPARE(gpu0.at("features").get<std::size_t>(), std::size_t{0});
        QCOMPARE(gpu0.at("optimizer state").get<std::size_t>(), std::size_t{0});
        QCOMPARE(gpu0.at("total").get<std::size_t>(), std::size_t{5000});
        QCOMPARE(gpu0.size(), memory_category_count + 1);
    }

    void a_runs_summary_carries_each_devices_peak_memory() {
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["max_epochs"] = 1;
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::finished);
        const json written = recorder.all<RunFinished>().front().summary;
        QVERIFY2(written.contains("peak_memory_bytes"), written.dump().c_str());
        const json& cpu0 = written.at("peak_memory_bytes").at("cpu0");
        const auto bytes = [&](const char* key) { return cpu0.at(key).get<std::size_t>(); };
        QVERIFY(bytes("parameters") > 0 && bytes("gradients") > 0 && bytes("activations") > 0);
        QCOMPARE(bytes("optimizer state"), bytes("parameters"));  // SGD's momentum buffer
        QCOMPARE(bytes("adjacency"), std::size_t(0));
        std::size_t sum_of_peaks = 0;
        for (MemoryCategory category : all_memory_categories) sum_of_peaks += bytes(to_string(category));
        QVERIFY(bytes("total") >= bytes("parameters") + bytes("gradients") + bytes("optimizer state"));
        QVERIFY(bytes("total") <= sum_of_peaks);
        qInfo("peak memory of cpu0: %s", cpu0.dump().c_str());
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
        // Not even the parameters fitted: nothing was held, so there are no peaks to report.
        QVERIFY(!recorder.all<RunFinished>().front().summary.contains("peak_memory_bytes"));
    }

    // A run that fails for memory reports the peaks it reached, within the limit: whether the replica
    // did not fit (the optimizer state here) or a later allocation did not (with the replica in place).
    void a_failed_runs_summary_carries_the_peaks_reached_before_the_failure() {
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["max_epochs"] = 1;
        const auto peaks_of_run = [&](double memory_limit_gb, RunStatus expected) {
            document["fleet"]["devices"][0]["memory_limit_gb"] = memory_limit_gb;
            RunRecorder recorder;
            const RunSummary summary = run_experiment(parse_run_config(document), recorder);
            if (summary.status() != expected) qFatal("status %s: %s", to_string(summary.status()), summary.error().c_str());
            return recorder.all<RunFinished>().front().summary.at("peak_memory_bytes").at("cpu0");
        };
        const json unlimited = peaks_of_run(0, RunStatus::finished);
        const auto parameters = unlimited.at("parameters").get<std::size_t>();
        const auto gradients = unlimited.at("gradients").get<std::size_t>();
        const auto optimizer_state = unlimited.at("optimizer state").get<std::size_t>();
        const std::size_t replica = parameters + gradients + optimizer_state;
        const auto total = unlimited.at("total").get<std::size_t>();
        QVERIFY2(total > replica, unlimited.dump().c_str());

        const std::size_t without_optimizer_room = parameters + gradients + optimizer_state / 2;
        const json placing = peaks_of_run(static_cast<double>(without_optimizer_room) / 1e9, RunStatus::failed);
        QCOMPARE(placing.at("parameters").get<std::size_t>(), parameters);
        QCOMPARE(placing.at("optimizer state").get<std::size_t>(), std::size_t{0});
        QVERIFY2(placing.at("total").get<std::size_t>() <= without_optimizer_room, placing.dump().c_str());

        const std::size_t short_of_the_peak = replica + (total - replica) / 2;
        const json training = peaks_of_run(static_cast<double>(short_of_the_peak) / 1e9, RunStatus::failed);
        QCOMPARE(training.at("optimizer state").get<std::size_t>(), optimizer_state);
        QVERIFY2(training.at("total").get<std::size_t>() >= replica, training.dump().c_str());
        QVERIFY2(training.at("total").get<std::size_t>() <= short_of_the_peak, training.dump().c_str());
    }
};

QTEST_GUILESS_MAIN(DeviceMemoryTest)
#include "test_device_memory.moc"
