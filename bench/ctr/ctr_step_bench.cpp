// Step time of the CTR trainer (core/methods/ctr/ctr_trainer.h) with the embedding table ten times the
// device cache at Zipf 1.1 (by default): the pipelined trainer with the cached store against the
// parameter-server baseline (rows pulled, pushed and updated on the host every step, one stage at a time)
// and against all rows on the device (a cache as large as the table, which this machine's memory holds),
// with each stage's busy time, the cache's hit rate, the duplicate ratio and the bytes per step. The same
// model, data, batches and seed in every configuration; the configurations alternate, `--repeats` times,
// so that drift of a shared machine falls on all of them alike.
//
//   ctr_step_bench [--rows 200000] [--batch 4096] [--vocabulary 100000] [--fields 26] [--zipf 1.1]
//                  [--cache-fraction 0.1] [--architecture deepfm] [--dim 16] [--hidden 400,400]
//                  [--threads 0] [--repeats 3] [--device cpu|cuda:N]
//
// On a GPU (--device cuda:0, in a build with the CUDA backend) the cache lives in GPU memory and every
// miss, write-back, pull and push crosses PCIe: the setting ScaleFreeCTR was designed for. There the
// configurations agree in loss to float rounding, not bit for bit (cuSPARSE's transposed products may
// sum in another order from run to run).

#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/backend/cpu_backend.h"
#include "core/data/ctr/synthetic_ctr.h"
#include "core/methods/ctr/ctr_trainer.h"
#ifdef TB_HAVE_CUDA
#include "gpu/cuda_backend.h"
#endif

namespace {

using namespace tb;

struct Setup {
    const char* name;
    EmbeddingPlacement placement;
    bool pipelined;
};

struct Measured {
    double seconds_per_step = 0;
    double load = 0, table = 0, device = 0;  // busy seconds per step
    EmbeddingTraffic traffic;                 // per epoch
    std::int64_t steps = 0;
    double loss = 0;
};

// "cpu" or "cuda:N".
std::unique_ptr<Backend> make_device(const std::string& name, int threads) {
    if (name == "cpu") return std::make_unique<CpuBackend>(threads);
#ifdef TB_HAVE_CUDA
    if (name.starts_with("cuda:")) {
        gpu::CudaBackendOptions options;
        options.gpu_index = std::stoi(name.substr(5));
        return std::make_unique<gpu::CudaBackend>(std::move(options));
    }
#endif
    throw std::invalid_argument("--device " + name + ": this build runs cpu" +
#ifdef TB_HAVE_CUDA
                                std::string(" and cuda:N")
#else
                                std::string(" only (built without the CUDA backend)")
#endif
    );
}

Measured run(const CtrRows& rows, const CtrModelSpec& model_spec, const Setup& setup, std::int64_t cache_rows,
             std::int64_t batch, int threads, const std::string& device_name) {
    const std::unique_ptr<Backend> backend = make_device(device_name, threads);
    Backend& device = *backend;
    CtrModel model(model_spec, device, 7);
    EmbeddingStoreSpec store_spec;
    store_spec.table.rows = rows.total_buckets();
    store_spec.table.dim = static_cast<int>(ctr_embedding_width(model_spec));
    store_spec.table.optimizer.kind = RowOptimizer::adagrad;
    store_spec.table.optimizer.learning_rate = 0.05f;
    store_spec.placement = setup.placement;
    store_spec.cache_rows = cache_rows;
    store_spec.policy = CachePolicy::lfu;
    EmbeddingStore store(store_spec, device);
    CtrTrainerSettings settings;
    settings.batch_size = batch;
    settings.pipelined = setup.pipelined;
    CtrTrainer trainer(model, store, device, settings);
    std::vector<std::int64_t> order(static_cast<std::size_t>(rows.rows()));
    std::iota(order.begin(), order.end(), 0);
    // A first pass warms the cache and touches every row the data uses; the second is measured.
    trainer.train_epoch(rows, order);
    const EmbeddingTraffic before = store.total_traffic();
    const CtrEpochResult result = trainer.train_epoch(rows, order);
    Measured measured;
    measured.steps = result.steps;
    const double steps = static_cast<double>(result.steps);
    measured.seconds_per_step = result.wall_seconds / steps;
    measured.load = result.load_seconds / steps;
    measured.table = result.table_seconds / steps;
    measured.device = result.device_seconds / steps;
    measured.traffic = store.total_traffic();
    measured.traffic -= before;
    measured.loss = result.mean_loss;
    return measured;
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t rows = 200000;
    std::int64_t batch = 4096;
    std::int64_t vocabulary = 100000;
    int fields = 26;
    double zipf = 1.1;
    double cache_fraction = 0.1;
    std::string architecture = "deepfm";
    std::int64_t dim = 16;
    std::vector<std::int64_t> hidden = {400, 400};
    int threads = 0;
    int repeats = 3;
    std::string device_name = "cpu";
    CLI::App app("Step time of the pipelined CTR trainer against the parameter-server and all-on-device baselines.",
                 "ctr_step_bench");
    app.add_option("--rows", rows, "training rows (two passes: one warms up)")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--batch", batch, "rows per step")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--vocabulary", vocabulary, "ids per categorical field")->check(tb::cli::whole_number_at_least(2))->capture_default_str();
    app.add_option("--fields", fields, "categorical fields")->capture_default_str();
    app.add_option("--zipf", zipf, "Zipf exponent of the ids")->capture_default_str();
    app.add_option("--cache-fraction", cache_fraction, "device cache rows as a fraction of the table")->capture_default_str();
    app.add_option("--architecture", architecture, "wide_deep, deepfm or dcn")->capture_default_str();
    app.add_option("--dim", dim, "embedding dimension")->capture_default_str();
    app.add_option("--hidden", hidden, "hidden widths")->delimiter(',')->capture_default_str();
    app.add_option("--threads", threads, "CPU backend threads (0: every core)")->capture_default_str();
    app.add_option("--repeats", repeats, "rounds over the three configurations")->capture_default_str();
    app.add_option("--device", device_name, "cpu, or cuda:N in a build with the CUDA backend")->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    std::string device_label;
    try {
        device_label = make_device(device_name, threads)->name();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ctr_step_bench: %s\n", error.what());
        return 2;
    }

    SyntheticCtrSpec data_spec;
    data_spec.train_rows = rows;
    data_spec.test_rows = 1;
    data_spec.categorical_fields = fields;
    data_spec.vocabulary_per_field = vocabulary;
    data_spec.zipf_exponent = zipf;
    const SyntheticCtr data = generate_synthetic_ctr(data_spec);
    CtrModelSpec model_spec;
    model_spec.architecture = ctr_architecture_names().value(architecture);
    model_spec.categorical_fields = fields;
    model_spec.dense_fields = data.train.dense_fields;
    model_spec.embedding_dim = dim;
    model_spec.hidden = hidden;
    const std::int64_t table_rows = data.train.total_buckets();
    const auto cache_rows = static_cast<std::int64_t>(cache_fraction * static_cast<double>(table_rows));
    std::printf("%s: %lld rows, batch %lld, %d fields x %lld ids (table %lld rows, cache %lld), Zipf %.2f, %s dim %lld\n",
                device_label.c_str(),
                static_cast<long long>(rows), static_cast<long long>(batch), fields, static_cast<long long>(vocabulary),
                static_cast<long long>(table_rows), static_cast<long long>(cache_rows), zipf, architecture.c_str(),
                static_cast<long long>(dim));

    const Setup setups[] = {{"pipelined, cached", EmbeddingPlacement::cached, true},
                            {"one stage at a time, cached", EmbeddingPlacement::cached, false},
                            {"parameter server", EmbeddingPlacement::parameter_server, false},
                            {"pipelined, all on device", EmbeddingPlacement::all_on_device, true}};
    std::vector<std::vector<Measured>> measured(std::size(setups));
    for (int round = 0; round < repeats; ++round) {
        for (std::size_t s = 0; s < std::size(setups); ++s) {
            measured[s].push_back(run(data.train, model_spec, setups[s], cache_rows, batch, threads, device_name));
        }
    }
    auto median = [](std::vector<double> values) {
        std::sort(values.begin(), values.end());
        return values[values.size() / 2];
    };
    double server_step = 0;
    for (std::size_t s = 0; s < std::size(setups); ++s) {
        std::vector<double> steps;
        for (const Measured& m : measured[s]) steps.push_back(m.seconds_per_step);
        if (setups[s].placement == EmbeddingPlacement::parameter_server) server_step = median(steps);
    }
    std::printf("\n%-30s %10s %9s %9s %9s %9s %9s %11s %11s %8s\n", "configuration", "ms/step", "vs PS", "load ms",
                "table ms", "device ms", "hit rate", "MiB to dev", "MiB to host", "loss");
    for (std::size_t s = 0; s < std::size(setups); ++s) {
        std::vector<double> steps;
        for (const Measured& m : measured[s]) steps.push_back(m.seconds_per_step);
        const double step = median(steps);
        const Measured& last = measured[s].back();
        const double n = static_cast<double>(last.steps);
        const double mib = 1024.0 * 1024.0;
        std::printf("%-30s %10.2f %8.2fx %9.2f %9.2f %9.2f %9.3f %11.2f %11.2f %8.4f\n", setups[s].name, step * 1e3,
                    server_step / step, last.load * 1e3, last.table * 1e3, last.device * 1e3,
                    static_cast<double>(last.traffic.hits) / std::max<double>(1, static_cast<double>(last.traffic.distinct_rows)),
                    static_cast<double>(last.traffic.bytes_host_to_device) / mib / n,
                    static_cast<double>(last.traffic.bytes_device_to_host) / mib / n, last.loss);
    }
    const Measured& any = measured[0].back();
    std::printf("\nduplicate ratio (ids looked up / distinct rows per step): %.2f\n",
                static_cast<double>(any.traffic.lookups) / std::max<double>(1, static_cast<double>(any.traffic.distinct_rows)));
    std::printf("every configuration ended its measured pass at the same training loss: %s\n",
                [&] {
                    for (std::size_t s = 1; s < std::size(setups); ++s) {
                        if (measured[s].back().loss != measured[0].back().loss) return "no";
                    }
                    return "yes";
                }());
    return 0;
}
