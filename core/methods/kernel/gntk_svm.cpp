#include "core/methods/kernel/gntk_svm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/data/graph/graph_collection_fingerprint.h"
#include "core/errors.h"
#include "core/fleet/wall_executor.h"
#include "core/fleet/work_executor.h"
#include "core/kernel_methods/graph_neural_tangent_kernel.h"
#include "core/kernel_methods/gram_matrix_store.h"
#include "core/kernel_methods/kernel_svm_cross_validation.h"
#include "core/methods/method_settings.h"
#include "core/session/run_context.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {

namespace {

struct GntkSvmSettings {
    std::int64_t blocks = 2;
    std::int64_t mlp_layers = 2;
    std::string pooling = "sum";
    std::string readout = "jumping_knowledge";
    std::string node_features = "labels";
    std::int64_t nodes_per_block = 256;
    bool normalize = true;
    std::int64_t folds = 10;
    double c_min = 1e-2;
    double c_max = 1e4;
    std::int64_t c_count = 120;
    std::int64_t fold_seed = 0;
    std::string gram_cache_folder;
};

const FieldTable<GntkSvmSettings>& gntk_svm_fields() {
    static const FieldTable<GntkSvmSettings> table = [] {
        FieldTable<GntkSvmSettings> t;
        t.integer("blocks", &GntkSvmSettings::blocks, "Blocks (L)", SettingRange::between(1, 64),
                  "neighbour aggregations, each followed by the ReLU layers");
        t.integer("mlp_layers", &GntkSvmSettings::mlp_layers, "ReLU layers per block (R)", SettingRange::between(1, 16),
                  "fully connected layers after each aggregation");
        t.text_choice("pooling", &GntkSvmSettings::pooling, {"sum", "average"}, "Neighbour pooling",
                      "sum over a node and its neighbours, or that sum divided by their number");
        t.text_choice("readout", &GntkSvmSettings::readout, {"jumping_knowledge", "sum"}, "Readout",
                      "sum the kernel of the input and of every block's last layer, or of the last layer only");
        t.text_choice("node_features", &GntkSvmSettings::node_features, {"labels", "degrees", "attributes"},
                      "Node features", "one-hot node labels, one-hot degrees (for data without labels), or node attributes");
        t.integer("nodes_per_block", &GntkSvmSettings::nodes_per_block, "Nodes per block",
                  SettingRange::between(1, 1 << 20),
                  "graphs per work item, by their nodes: a block pair holds three n x n' matrices of doubles; on "
                  "a CPU 128 to 256 keep them in cache, a GPU wants thousands to fill its cores");
        t.flag("normalize", &GntkSvmSettings::normalize, "Normalize",
               "scale the Gram matrix to a unit diagonal, K(G, G') / sqrt(K(G, G) K(G', G')), before the SVM");
        t.integer("folds", &GntkSvmSettings::folds, "Folds", SettingRange::between(2, 1000),
                  "stratified cross-validation folds");
        t.number("c_min", &GntkSvmSettings::c_min, "Smallest C", SettingRange::above(0), "the C grid's first value");
        t.number("c_max", &GntkSvmSettings::c_max, "Largest C", SettingRange::above(0), "the C grid's last value")
            .check([](const GntkSvmSettings& s, const ConfigReader& reader) {
                if (s.c_max < s.c_min) reader.fail("c_max", "is below c_min");
            });
        t.integer("c_count", &GntkSvmSettings::c_count, "C values", SettingRange::between(1, 10000),
                  "values of C, spaced evenly in log10 from c_min to c_max");
        t.integer("fold_seed", &GntkSvmSettings::fold_seed, "Fold seed", SettingRange::at_least(0),
                  "which folds are drawn (0: the run's seed)");
        t.text("gram_cache_folder", &GntkSvmSettings::gram_cache_folder, "Gram matrix store",
               "a folder to keep Gram matrices in and read them back from (empty: none); relative to the config file",
               SettingType::file);
        return t;
    }();
    return table;
}

NeighbourPooling pooling_named(const std::string& name) {
    return name == "average" ? NeighbourPooling::average : NeighbourPooling::sum;
}

GraphReadout readout_named(const std::string& name) {
    return name == "sum" ? GraphReadout::sum : GraphReadout::jumping_knowledge;
}

NodeFeatureSource features_named(const std::string& name) {
    if (name == "degrees") return NodeFeatureSource::degrees;
    if (name == "attributes") return NodeFeatureSource::attributes;
    return NodeFeatureSource::labels;
}

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f s", seconds);
    return text;
}

// The normalized Gram matrix with the graphs in class order, for the heat map; above `limit` graphs an
// evenly spaced subset of that order, so a snapshot stays a few megabytes.
MatrixSnapshot class_sorted_snapshot(const GraphCollection& graphs, const std::vector<double>& gram, std::int64_t limit) {
    const std::int64_t n = graphs.graphs();
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return graphs.graph_labels[static_cast<std::size_t>(a)] < graphs.graph_labels[static_cast<std::size_t>(b)];
    });
    std::vector<std::int64_t> shown;
    const std::int64_t count = std::min(n, limit);
    for (std::int64_t i = 0; i < count; ++i) shown.push_back(order[static_cast<std::size_t>(i * n / count)]);
    MatrixSnapshot snapshot;
    snapshot.name = count < n ? "Gram matrix, graphs sorted by class (" + std::to_string(count) + " of " + std::to_string(n) + ")"
                              : "Gram matrix, graphs sorted by class";
    snapshot.rows = snapshot.cols = count;
    for (const std::int64_t row : shown) {
        for (const std::int64_t column : shown) snapshot.values.push_back(gram[static_cast<std::size_t>(row * n + column)]);
        const std::int64_t label = graphs.graph_label_values[static_cast<std::size_t>(graphs.graph_labels[static_cast<std::size_t>(row)])];
        snapshot.labels.rows.push_back("graph " + std::to_string(row + 1) + " (class " + std::to_string(label) + ")");
    }
    snapshot.labels.columns = snapshot.labels.rows;
    return snapshot;
}

}  // namespace

GntkSvm::GntkSvm(const nlohmann::json& parameters)
    : nodes_per_block_(parameters.at("nodes_per_block").get<std::int64_t>()),
      normalize_(parameters.at("normalize").get<bool>()),
      folds_(parameters.at("folds").get<int>()),
      c_min_(parameters.at("c_min").get<double>()),
      c_max_(parameters.at("c_max").get<double>()),
      c_count_(parameters.at("c_count").get<int>()),
      fold_seed_(parameters.at("fold_seed").get<std::int64_t>()),
      gram_cache_folder_(parameters.at("gram_cache_folder").get<std::string>()) {
    spec_.blocks = parameters.at("blocks").get<int>();
    spec_.mlp_layers = parameters.at("mlp_layers").get<int>();
    spec_.pooling = pooling_named(parameters.at("pooling").get<std::string>());
    spec_.readout = readout_named(parameters.at("readout").get<std::string>());
    spec_.features = features_named(parameters.at("node_features").get<std::string>());
}

nlohmann::json GntkSvm::normalize(ConfigReader& reader) { return normalize_settings(gntk_svm_fields(), reader); }

SettingsForm GntkSvm::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(gntk_svm_fields(), parameters);
}

void GntkSvm::run(RunContext& context, const LoadedData& data) {
    const GraphCollection& graphs = data.collection();
    const RunConfig& config = context.config();
    if (static_cast<std::int64_t>(folds_) > graphs.graphs()) {
        throw ConfigError("method.folds = " + std::to_string(folds_) + " is more than the " +
                          std::to_string(graphs.graphs()) + " graphs of " + graphs.name);
    }
    {
        // The Gram matrix, its normalized copy and the SVM's kernel rows are each n x n doubles.
        const double n = static_cast<double>(graphs.graphs());
        const std::string shortfall = host_memory_shortfall(3 * n * n * sizeof(double));
        if (!shortfall.empty()) {
            throw ConfigError("the Gram matrix of " + std::to_string(graphs.graphs()) + " graphs would " + shortfall +
                              "; use fewer graphs");
        }
    }
    std::unique_ptr<GraphNeuralTangentKernel> kernel;
    try {
        kernel = std::make_unique<GraphNeuralTangentKernel>(graphs, spec_, nodes_per_block_);
    } catch (const std::invalid_argument& error) {
        throw ConfigError(std::string("method.node_features: ") + error.what());
    }
    const std::int64_t n = graphs.graphs();
    const GramMatrixKey key{graph_collection_fingerprint(graphs), spec_.key(), n};
    std::filesystem::path store_file;
    if (!gram_cache_folder_.empty()) {
        std::filesystem::path folder(gram_cache_folder_);
        if (folder.is_relative() && !config.config_folder.empty()) folder = config.config_folder / folder;
        store_file = gram_matrix_file(folder, key);
    }

    const int blocks = kernel->block_count();
    std::vector<std::pair<int, int>> diagonal, pairs;
    for (int a = 0; a < blocks; ++a) {
        diagonal.emplace_back(a, a);
        for (int b = a + 1; b < blocks; ++b) pairs.emplace_back(a, b);
    }
    const double total_work = static_cast<double>(diagonal.size() + pairs.size() + static_cast<std::size_t>(c_count_));

    std::vector<double> gram;
    if (!store_file.empty()) {
        StoredGramMatrix stored = load_gram_matrix(store_file, key);
        if (stored.values) {
            gram = std::move(*stored.values);
            context.log(LogLevel::info, "Gram matrix (" + spec_.key() + ") read from " + store_file.string());
        } else if (std::filesystem::exists(store_file)) {
            context.log(LogLevel::warning, stored.why_not + "; computing the Gram matrix again");
        }
    }
    if (gram.empty()) {
        std::unique_ptr<WorkExecutor> work = create_work_executor(context, config.fleet.devices);
        // Simulated items run one after another, so each may use every core; on the wall clock CPU devices
        // work side by side and share them.
        const int cpu_threads = context.simulated_clock() != nullptr ? 0 : cpu_threads_per_device(config.fleet.devices);
        std::vector<std::unique_ptr<Backend>> backends;
        for (const DeviceSpec& device : config.fleet.devices) backends.push_back(context.create_backend(device, cpu_threads));
        std::size_t done = 0;
        const auto started = std::chrono::steady_clock::now();
        const double clock_started = context.run_clock();
        // Diagonal blocks, then (once all are in) the block pairs that read their variances.
        for (const std::vector<std::pair<int, int>>* phase : {&diagonal, &pairs}) {
            std::size_t next = 0;
            while (next < phase->size() || work->in_flight() > 0) {
                for (int device = 0; device < work->device_count() && next < phase->size(); ++device) {
                    if (!work->idle(device)) continue;
                    // Plain copies, not a structured binding: the lambda captures them, which Clang 14 cannot.
                    const int a = (*phase)[next].first;
                    const int b = (*phase)[next].second;
                    ++next;
                    GraphNeuralTangentKernel* computing = kernel.get();
                    Backend* backend = backends[static_cast<std::size_t>(device)].get();
                    work->submit(device, [computing, backend, a, b] {
                        if (a == b) {
                            computing->compute_diagonal_block(*backend, a);
                        } else {
                            computing->compute_block_pair(*backend, a, b);
                        }
                        const double multiply_adds = computing->block_pair_work(a, b);
                        return WorkOutcome{StepCost{2 * multiply_adds, 8 * multiply_adds, 0}, 0, 0};
                    });
                }
                work->next_completion();
                ++done;
                context.set_progress(static_cast<double>(done) / total_work);
                if (context.should_stop()) {
                    work->drain();
                    context.log(LogLevel::warning, "stopped after " + std::to_string(done) + " of " +
                                                       std::to_string(diagonal.size() + pairs.size()) +
                                                       " Gram matrix blocks; no SVM was trained");
                    return;
                }
            }
        }
        gram = kernel->gram();
        for (std::size_t i = 0; i < backends.size(); ++i) {
            context.summary().record_peak_memory(config.fleet.devices[i].name, backends[i]->peak_memory());
        }
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        context.log(LogLevel::info, "Gram matrix of " + std::to_string(n) + " graphs (" + spec_.key() + ", " +
                                        std::to_string(blocks) + " blocks, " + std::to_string(done) + " work items) in " +
                                        seconds_text(context.run_clock() - clock_started) + " of run clock, " +
                                        seconds_text(wall) + " wall");
        if (!store_file.empty()) {
            // A store that cannot be written costs the next run the computation, not this run its result.
            try {
                save_gram_matrix(store_file, key, gram);
                context.log(LogLevel::info, "Gram matrix stored in " + store_file.string());
            } catch (const std::exception& error) {
                context.log(LogLevel::warning, std::string("the Gram matrix was not stored: ") + error.what());
            }
        }
    }
    for (const double value : gram) {
        if (!std::isfinite(value)) throw RunDiverged("the Gram matrix holds a value that is not finite");
    }

    // The heat map always shows the normalized matrix; the SVM reads it only when `normalize` is on.
    const std::vector<double> normalized = normalized_gram(gram, n);
    const std::vector<double>& kernel_matrix = normalize_ ? normalized : gram;
    context.publish(class_sorted_snapshot(graphs, normalized, 600));
    const std::vector<double> c_grid = log_spaced_c_grid(c_min_, c_max_, c_count_);
    const std::uint64_t fold_seed = fold_seed_ > 0 ? static_cast<std::uint64_t>(fold_seed_) : config.seed;
    const double gram_items = static_cast<double>(diagonal.size() + pairs.size());
    CrossValidationResult result;
    context.evaluate([&] {
        result = cross_validate_kernel_svm(KernelMatrix{kernel_matrix, n}, graphs.graph_labels, c_grid, folds_, fold_seed,
                                           [&](int done, int) {
                                               context.set_progress((gram_items + done) / total_work);
                                           });
        const CGridResult& best = result.best_c();
        return std::map<std::string, double>{
            {"accuracy", best.mean_accuracy}, {"accuracy_std", best.accuracy_std}, {"svm_c", best.c}};
    });
    for (const CGridResult& entry : result.grid) {
        context.publish(Trace{"accuracy over the C grid", std::to_string(folds_) + "-fold mean", "log10 C",
                              std::log10(entry.c), entry.mean_accuracy});
    }
    const CGridResult& best = result.best_c();
    for (std::size_t fold = 0; fold < best.fold_accuracies.size(); ++fold) {
        context.publish(Trace{"fold accuracy at the chosen C", "held-out accuracy", "fold", static_cast<double>(fold + 1),
                              best.fold_accuracies[fold]});
    }
    char line[160];
    std::snprintf(line, sizeof line, "%d-fold accuracy %.4f +- %.4f at C = %.4g (the best of %d values from %.3g to %.3g)",
                  folds_, best.mean_accuracy, best.accuracy_std, best.c, c_count_, c_min_, c_max_);
    context.log(LogLevel::info, line);
    context.set_progress(1.0);
}

}  // namespace tb
