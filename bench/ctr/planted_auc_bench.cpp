// How close the CTR models come to the planted model's test AUC on synthetic click data
// (core/data/ctr/synthetic_ctr.h), epoch by epoch: the planted probabilities give the best AUC and log
// loss any model can reach on the test rows.
//
//   planted_auc_bench [--rows 2000000] [--test 20000] [--fields 8] [--vocabulary 1000] [--dense 4]
//                     [--planted-dim 4] [--architecture deepfm] [--dim 8] [--hidden 64,32] [--epochs 6]
//                     [--batch 512] [--embedding-lr 0.2] [--dense-lr 0.003] [--optimizer adagrad]

#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/backend/cpu_backend.h"
#include "core/data/ctr/synthetic_ctr.h"
#include "core/methods/ctr/ctr_trainer.h"
#include "core/metrics/classification_metrics.h"

int main(int argc, char** argv) {
    using namespace tb;
    SyntheticCtrSpec data_spec;
    data_spec.train_rows = 2000000;
    data_spec.test_rows = 20000;
    data_spec.categorical_fields = 8;
    data_spec.vocabulary_per_field = 1000;
    data_spec.dense_fields = 4;
    data_spec.planted_dimension = 4;
    data_spec.seed = 11;
    std::string architecture = "deepfm";
    std::int64_t dim = 8;
    std::vector<std::int64_t> hidden = {64, 32};
    int epochs = 6;
    std::int64_t batch = 512;
    double embedding_lr = 0.2;
    double dense_lr = 0.003;
    std::string optimizer = "adagrad";
    CLI::App app("Test AUC of a CTR model against the planted model's on synthetic click data.", "planted_auc_bench");
    app.add_option("--rows", data_spec.train_rows, "training rows")->capture_default_str();
    app.add_option("--test", data_spec.test_rows, "test rows")->capture_default_str();
    app.add_option("--fields", data_spec.categorical_fields, "categorical fields")->capture_default_str();
    app.add_option("--vocabulary", data_spec.vocabulary_per_field, "ids per field")->capture_default_str();
    app.add_option("--dense", data_spec.dense_fields, "dense fields")->capture_default_str();
    app.add_option("--planted-dim", data_spec.planted_dimension, "dimension of the planted embeddings")->capture_default_str();
    app.add_option("--zipf", data_spec.zipf_exponent, "Zipf exponent")->capture_default_str();
    app.add_option("--architecture", architecture, "wide_deep, deepfm or dcn")->capture_default_str();
    app.add_option("--dim", dim, "embedding dimension")->capture_default_str();
    app.add_option("--hidden", hidden, "hidden widths")->delimiter(',')->capture_default_str();
    app.add_option("--epochs", epochs, "passes")->capture_default_str();
    app.add_option("--batch", batch, "rows per step")->capture_default_str();
    app.add_option("--embedding-lr", embedding_lr, "embedding rows' learning rate")->capture_default_str();
    app.add_option("--dense-lr", dense_lr, "Adam's learning rate for the dense part")->capture_default_str();
    app.add_option("--optimizer", optimizer, "embedding rows' optimizer: sgd, adagrad, adam")->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    const SyntheticCtr data = generate_synthetic_ctr(data_spec);
    std::vector<std::uint8_t> truth;
    for (float label : data.test.labels) truth.push_back(label > 0.5f ? 1 : 0);
    std::printf("planted: test AUC %.4f, log loss %.4f\n", binary_roc_auc(data.test_click_probability, truth),
                binary_log_loss(data.test_click_probability, truth));
    CpuBackend device(0);
    CtrModelSpec model_spec;
    model_spec.architecture = ctr_architecture_names().value(architecture);
    model_spec.categorical_fields = data_spec.categorical_fields;
    model_spec.dense_fields = data_spec.dense_fields;
    model_spec.embedding_dim = dim;
    model_spec.hidden = hidden;
    CtrModel model(model_spec, device, 5);
    EmbeddingStoreSpec store_spec;
    store_spec.table.rows = data.train.total_buckets();
    store_spec.table.dim = static_cast<int>(ctr_embedding_width(model_spec));
    store_spec.table.optimizer.kind = row_optimizer_names().value(optimizer);
    store_spec.table.optimizer.learning_rate = static_cast<float>(embedding_lr);
    store_spec.table.seed = 3;
    store_spec.placement = EmbeddingPlacement::all_on_device;
    EmbeddingStore store(store_spec, device);
    CtrTrainerSettings settings;
    settings.batch_size = batch;
    settings.pipelined = false;
    settings.dense_learning_rate = static_cast<float>(dense_lr);
    CtrTrainer trainer(model, store, device, settings);
    std::vector<std::int64_t> order(static_cast<std::size_t>(data.train.rows()));
    std::iota(order.begin(), order.end(), 0);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        const CtrEpochResult result = trainer.train_epoch(data.train, order);
        const std::vector<double> p = trainer.predict(data.test);
        std::printf("epoch %d: train log loss %.4f, test AUC %.4f, test log loss %.4f (%.1f s)\n", epoch, result.mean_loss,
                    binary_roc_auc(p, truth), binary_log_loss(p, truth), result.wall_seconds);
        std::fflush(stdout);
    }
    return 0;
}
