// Times the Wide & Deep training step of the CTR trainer on click batches read from a file, for
// bench/ctr/wide_deep_vs_pytorch.py, which runs it alternately with the same step in PyTorch
// (nn.EmbeddingBag) on the same file and reports the ratio. The whole table on the device (the CPU
// backend's memory), one stage at a time, so that the step is the model's and the optimizers' work.
//
// The file, little-endian: int64 rows, dense_fields, categorical_fields, ids_per_field; then rows float32
// labels, rows x dense_fields float32 dense values, rows x categorical_fields int32 ids (each within its
// field, 0 .. ids_per_field - 1).
//
//   wide_deep_step --data FILE [--batch 4096] [--dim 16] [--hidden 400,400] [--steps 50] [--warmup 10]
//                  [--threads 0]
// Prints one line: "ms_per_step <mean over the timed steps>".

#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/backend/cpu_backend.h"
#include "core/methods/ctr/ctr_trainer.h"

namespace {

using namespace tb;

template <typename T>
void read_into(std::ifstream& in, T* data, std::size_t count, const std::string& file) {
    in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
    if (!in) throw std::runtime_error(file + ": shorter than its header says");
}

CtrRows read_rows(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(file + ": cannot be opened");
    std::int64_t header[4];
    read_into(in, header, 4, file);
    CtrRows rows;
    rows.dense_fields = static_cast<int>(header[1]);
    rows.categorical_fields = static_cast<int>(header[2]);
    rows.buckets_per_field.assign(static_cast<std::size_t>(header[2]), header[3]);
    rows.labels.resize(static_cast<std::size_t>(header[0]));
    rows.dense.resize(static_cast<std::size_t>(header[0] * header[1]));
    std::vector<std::int32_t> ids(static_cast<std::size_t>(header[0] * header[2]));
    read_into(in, rows.labels.data(), rows.labels.size(), file);
    read_into(in, rows.dense.data(), rows.dense.size(), file);
    read_into(in, ids.data(), ids.size(), file);
    rows.categorical.assign(ids.begin(), ids.end());
    return rows;
}

}  // namespace

int main(int argc, char** argv) {
    std::string file;
    std::int64_t batch = 4096;
    std::int64_t dim = 16;
    std::vector<std::int64_t> hidden = {400, 400};
    std::int64_t steps = 50;
    std::int64_t warmup = 10;
    int threads = 0;
    CLI::App app("The Wide & Deep training step on click batches from a file.", "wide_deep_step");
    app.add_option("--data", file, "the batches' file")->required();
    app.add_option("--batch", batch, "rows per step")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--dim", dim, "embedding dimension")->capture_default_str();
    app.add_option("--hidden", hidden, "hidden widths")->delimiter(',')->capture_default_str();
    app.add_option("--steps", steps, "steps timed")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--warmup", warmup, "steps before the timing")->capture_default_str();
    app.add_option("--threads", threads, "CPU backend threads (0: every core)")->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    try {
        const CtrRows rows = read_rows(file);
        if ((warmup + steps) * batch > rows.rows()) throw std::runtime_error(file + ": fewer rows than the steps need");
        CpuBackend device(threads);
        CtrModelSpec model_spec;
        model_spec.architecture = CtrArchitecture::wide_deep;
        model_spec.categorical_fields = rows.categorical_fields;
        model_spec.dense_fields = rows.dense_fields;
        model_spec.embedding_dim = dim;
        model_spec.hidden = hidden;
        CtrModel model(model_spec, device, 7);
        EmbeddingStoreSpec store_spec;
        store_spec.table.rows = rows.total_buckets();
        store_spec.table.dim = static_cast<int>(ctr_embedding_width(model_spec));
        store_spec.table.optimizer.kind = RowOptimizer::adagrad;
        store_spec.table.optimizer.learning_rate = 0.05f;
        store_spec.placement = EmbeddingPlacement::all_on_device;
        EmbeddingStore store(store_spec, device);
        CtrTrainerSettings settings;
        settings.batch_size = batch;
        settings.pipelined = false;
        CtrTrainer trainer(model, store, device, settings);
        std::vector<std::int64_t> order(static_cast<std::size_t>((warmup + steps) * batch));
        std::iota(order.begin(), order.end(), 0);
        trainer.train_epoch(rows, std::span(order).first(static_cast<std::size_t>(warmup * batch)));
        const CtrEpochResult timed = trainer.train_epoch(rows, std::span(order).subspan(static_cast<std::size_t>(warmup * batch)));
        std::printf("ms_per_step %.4f\nloss %.5f\n", timed.wall_seconds * 1e3 / static_cast<double>(timed.steps), timed.mean_loss);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "wide_deep_step: %s\n", error.what());
        return 1;
    }
    return 0;
}
