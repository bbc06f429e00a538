#include "core/data/dataset_config.h"

#include <algorithm>
#include <sstream>

#include "core/config/field_table.h"
#include "core/data/data_paths.h"
#include "core/data/idx_reader.h"
#include "core/data/libsvm_reader.h"
#include "core/data/synthetic_xmlc.h"
#include "core/data/validation_holdout.h"
#include "core/data/xmlc_text_reader.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {

namespace {

using Config = DatasetConfig;

std::string kind_state(const Config& config) { return "dataset kind '" + dataset_kind_names().name(config.kind) + "'"; }
bool synthetic(const Config& config) { return config.kind == DatasetKind::synthetic_xmlc; }
bool synthetic_graph(const Config& config) { return config.kind == DatasetKind::synthetic_graph; }
bool ogb_node(const Config& config) { return config.kind == DatasetKind::ogb_node; }
bool tu_graphs(const Config& config) { return config.kind == DatasetKind::tu_graphs; }
bool multi_task_folder(const Config& config) { return config.kind == DatasetKind::multi_task_folder; }
bool reads_a_folder(const Config& config) { return ogb_node(config) || tu_graphs(config) || multi_task_folder(config); }
bool synthetic_graphs(const Config& config) { return config.kind == DatasetKind::synthetic_graphs; }
bool synthetic_multi_task(const Config& config) { return config.kind == DatasetKind::synthetic_multi_task; }
bool multi_task_mat(const Config& config) { return config.kind == DatasetKind::multi_task_mat; }
bool multi_task(const Config& config) { return find_dataset(config.kind).shape == DataShape::multi_task; }
bool criteo(const Config& config) { return config.kind == DatasetKind::criteo; }
bool synthetic_ctr(const Config& config) { return config.kind == DatasetKind::synthetic_ctr; }
bool generated(const Config& config) {
    return synthetic(config) || synthetic_graph(config) || synthetic_graphs(config) || synthetic_multi_task(config) ||
           synthetic_ctr(config);
}
bool reads_libsvm(const Config& config) {
    return config.kind == DatasetKind::libsvm || config.kind == DatasetKind::multilabel_libsvm;
}

const FieldTable<Config>& dataset_fields() {
    static const FieldTable<Config> table = [] {
        FieldTable<Config> t;
        t.text_choice("shape", &Config::shape, {"small", "delicious_200k", "amazon_670k"}, "Shape",
                      "whose statistics the generated data follows")
            .only_when(synthetic, kind_state);
        t.integer("train_samples", &Config::train_samples, "Train samples", SettingRange::at_least(0),
                  "rows to generate for training (0: the shape's default; synthetic_ctr: 100000)")
            .only_when([](const Config& c) { return synthetic(c) || synthetic_ctr(c); }, kind_state);
        t.integer("test_samples", &Config::test_samples, "Test samples", SettingRange::at_least(0),
                  "rows to generate for testing (0: the shape's default; synthetic_ctr: 20000)")
            .only_when([](const Config& c) { return synthetic(c) || synthetic_ctr(c); }, kind_state);
        t.integer("dense_fields", &Config::dense_fields, "Dense fields", SettingRange::between(0, 1000),
                  "integer fields per row, log-transformed as Criteo's are")
            .only_when(synthetic_ctr, kind_state);
        t.integer("categorical_fields", &Config::categorical_fields, "Categorical fields", SettingRange::between(1, 1000),
                  "categorical fields per row, one id each")
            .only_when(synthetic_ctr, kind_state);
        t.integer("vocabulary_per_field", &Config::vocabulary_per_field, "Ids per field",
                  SettingRange::between(2, 100'000'000), "distinct ids of each categorical field (the embedding rows: "
                  "fields x ids in all, up to 10^8 per field)")
            .only_when(synthetic_ctr, kind_state);
        t.number("zipf_exponent", &Config::zipf_exponent, "Zipf exponent", SettingRange::between(0, 10),
                 "how skewed the ids are: id k is drawn with probability proportional to 1 / k^s")
            .only_when(synthetic_ctr, kind_state);
        t.integer("buckets_per_field", &Config::buckets_per_field, "Buckets per field",
                  SettingRange::between(2, 4'000'000'000), "hash buckets of each categorical field, bucket 0 meaning "
                  "missing (the embedding rows: 26 x buckets)")
            .only_when(criteo, kind_state);
        t.integer("hash_seed", &Config::hash_seed, "Hash seed", SettingRange::at_least(0),
                  "salts the hash of the categorical values")
            .only_when(criteo, kind_state);
        t.flag("skip_malformed", &Config::skip_malformed, "Skip malformed lines",
               "skip and count malformed lines instead of failing on the first (its file and line are logged)")
            .only_when(criteo, kind_state);
        t.number("test_fraction", &Config::test_fraction, "Test fraction", SettingRange::between(0.001, 0.999),
                 "the share of rows, from the end of the file, held out for testing (Criteo's rows are in time order)")
            .only_when(criteo, kind_state);
        t.integer("max_rows", &Config::max_rows, "Max rows", SettingRange::at_least(0),
                  "read at most this many rows from the start of the file (0: all)")
            .only_when(criteo, kind_state);
        t.text("test_file", &Config::test_file, "Test file",
               "a file of test rows in the same layout (empty: the last test_fraction of the rows of file); relative "
               "to the config file",
               SettingType::file)
            .only_when(criteo, kind_state);
        t.flag("stream_train", &Config::stream_train, "Stream the training file",
               "read the training rows from the file a batch at a time on every pass instead of holding them in "
               "memory (a file larger than memory); rows train in file order and evaluations come at the end of "
               "each pass; needs test_file")
            .only_when(criteo, kind_state)
            .check([](const Config& c, const ConfigReader& reader) {
                if (c.kind == DatasetKind::criteo && c.stream_train && c.test_file.empty()) {
                    reader.fail("stream_train", "needs a test_file: the test rows cannot be the end of a streamed file");
                }
            });
        t.text_choice("resembles", &Config::resembles, {"cora", "amazon2m", "ppi"}, "Resembles",
                      "the graph whose size and statistics the generated one follows (ppi: multi-label)")
            .only_when(synthetic_graph, kind_state);
        t.integer("nodes", &Config::nodes, "Nodes", SettingRange::at_least(0),
                  "nodes to generate (0: as many as the resembled graph has)")
            .only_when(synthetic_graph, kind_state);
        t.number("average_degree", &Config::average_degree, "Average degree", SettingRange::at_least(0),
                 "neighbours per node (0: the resembled graph's; synthetic_graphs: 4)")
            .only_when([](const Config& c) { return synthetic_graph(c) || synthetic_graphs(c); }, kind_state);
        t.integer("graphs", &Config::graphs, "Graphs", SettingRange::between(2, 10'000'000), "graphs to generate")
            .only_when(synthetic_graphs, kind_state);
        t.integer("nodes_per_graph", &Config::nodes_per_graph, "Nodes per graph", SettingRange::between(1, 1'000'000),
                  "nodes of every generated graph")
            .only_when(synthetic_graphs, kind_state);
        t.integer("features", &Config::features, "Features", SettingRange::at_least(0),
                  "features per node (0: the resembled graph's); synthetic_multi_task: features per row (0: 30)")
            .only_when([](const Config& c) { return synthetic_graph(c) || synthetic_multi_task(c); }, kind_state);
        t.text_choice("structure", &Config::structure, {"clusters", "low_rank", "shared_features", "related_tasks"},
                      "Planted structure",
                      "tasks in clusters, a low-rank weight matrix, features shared by all tasks, or tasks related "
                      "through a planted covariance")
            .only_when(synthetic_multi_task, kind_state);
        t.integer("tasks", &Config::tasks, "Tasks", SettingRange::between(2, 100'000), "tasks to generate")
            .only_when(synthetic_multi_task, kind_state);
        t.integer("rows_per_task", &Config::rows_per_task, "Rows per task", SettingRange::between(2, 10'000'000),
                  "rows of every generated task")
            .only_when(synthetic_multi_task, kind_state);
        t.number("noise", &Config::noise, "Target noise", SettingRange::at_least(0),
                 "standard deviation of the noise added to each target")
            .only_when(synthetic_multi_task, kind_state);
        t.integer("clusters", &Config::clusters, "Task clusters", SettingRange::between(1, 100'000),
                  "groups of tasks (structures clusters and related_tasks)")
            .only_when(synthetic_multi_task, kind_state);
        t.integer("rank", &Config::rank, "Rank", SettingRange::between(1, 100'000),
                  "rank of the weight matrix (structure low_rank)")
            .only_when(synthetic_multi_task, kind_state);
        t.integer("shared_features", &Config::shared_features, "Shared features", SettingRange::between(1, 100'000),
                  "features every task uses (structure shared_features)")
            .only_when(synthetic_multi_task, kind_state);
        t.text("file", &Config::file, "File",
               "multi_task_mat: a MATLAB MAT file (v5 or v7.3); criteo: a Criteo-layout file, plain or gzip; relative "
               "to the config file",
               SettingType::file)
            .only_when([](const Config& c) { return multi_task_mat(c) || criteo(c); }, kind_state)
            .required();
        t.text("features_variable", &Config::features_variable, "Features variable",
               "the cell array of per-task feature matrices (rows x features)")
            .only_when(multi_task_mat, kind_state);
        t.text("targets_variable", &Config::targets_variable, "Targets variable",
               "the cell array of per-task target vectors")
            .only_when(multi_task_mat, kind_state);
        t.number("train_fraction", &Config::train_fraction, "Training fraction", SettingRange::between(0.01, 0.99),
                 "each task's share of rows drawn for training; the rest is its test set")
            .only_when(multi_task, kind_state);
        t.integer("seed", &Config::seed, "Data seed", SettingRange::at_least(0),
                  "which data the generator draws; multi-task kinds: also which rows each task trains on")
            .only_when([](const Config& c) { return generated(c) || multi_task(c); }, kind_state);
        t.text("folder", &Config::folder, "Folder",
               "the data set's folder (ogb_node: raw/ and split/ inside; tu_graphs: NAME_A.txt and the other "
               "files; multi_task_folder: one CSV or LIBSVM file per task); relative to the config file",
               SettingType::file)
            .only_when(reads_a_folder, kind_state)
            .required();
        t.text("name", &Config::collection_name, "Files' prefix",
               "the NAME of NAME_A.txt and the other files (empty: the folder's name)")
            .only_when(tu_graphs, kind_state);
        t.text("split", &Config::split, "Split", "the folder under split/ (empty: the only one there is)")
            .only_when(ogb_node, kind_state);
        t.flag("normalize_features", &Config::normalize_features, "Normalize features",
               "scale each node's features to sum to 1, as Kipf and Welling preprocess Cora")
            .only_when(ogb_node, kind_state);
        const auto reads_files = [](const Config& c) {
            return !generated(c) && !reads_a_folder(c) && !multi_task_mat(c) && !criteo(c);
        };
        t.text("train", &Config::train, "Train file", "plain or gzip; relative to the config file", SettingType::file)
            .only_when(reads_files, kind_state)
            .required();
        t.text("train_labels", &Config::train_labels, "Train labels", "the IDX label file of the training images",
               SettingType::file)
            .only_when([](const Config& c) { return c.kind == DatasetKind::idx; }, kind_state)
            .required();
        t.text("test", &Config::test, "Test file", "plain or gzip; relative to the config file", SettingType::file)
            .only_when(reads_files, kind_state)
            .required();
        t.text("test_labels", &Config::test_labels, "Test labels", "the IDX label file of the test images",
               SettingType::file)
            .only_when([](const Config& c) { return c.kind == DatasetKind::idx; }, kind_state)
            .required();
        t.integer("num_features", &Config::num_features, "Features", SettingRange::at_least(0),
                  "feature ids run below this (0: inferred from the files)")
            .only_when(reads_libsvm, kind_state);
        const auto tabular = [](const Config& c) { return find_dataset(c.kind).shape == DataShape::tabular; };
        // Written only when set, so that the configs of runs without a validation set read as before.
        const auto holds_out_validation = [](const Config& c) { return c.validation_fraction > 0; };
        t.number("validation_fraction", &Config::validation_fraction, "Validation fraction", SettingRange::between(0, 0.5),
                 "training rows held out as a validation set that the run evaluates on instead of the test set "
                 "(0: none); a study selects settings on it")
            .only_when(tabular, kind_state)
            .written_only_when(holds_out_validation);
        t.integer("validation_seed", &Config::validation_seed, "Validation seed", SettingRange::at_least(0),
                  "which training rows are held out for validation (the same for every method and run seed)")
            .only_when(tabular, kind_state)
            .written_only_when(holds_out_validation);
        t.json_object(
             "partition",
             [](ConfigReader& section, Config& c) {
                 if (section.has("partition")) c.partition = parse_partition_config(section.object("partition"));
             },
             [](const Config& c) { return to_json(c.partition); }, "Partition",
             "how a decentralized fleet splits the training set: iid, or dirichlet with alpha")
            .written_only_when([](const Config& c) {
                const PartitionConfig default_partition;
                return c.partition.kind != default_partition.kind || c.partition.seed != default_partition.seed;
            });
        return t;
    }();
    return table;
}

}  // namespace

DatasetConfig parse_dataset_config(ConfigReader reader) {
    DatasetConfig config;
    const std::string kind = reader.get_choice("kind", dataset_kind_names().name(config.kind),
                                               dataset_kind_names().all_names());
    config.kind = dataset_kind_names().value(kind);
    // A partition key that is absent keeps the default without reading an empty object.
    dataset_fields().read(reader, config);
    reader.finish();
    return config;
}

nlohmann::json to_json(const DatasetConfig& config) {
    nlohmann::json json = dataset_fields().to_json(config);
    json["kind"] = dataset_kind_names().name(config.kind);
    return json;
}

SettingsForm dataset_settings_form(const DatasetConfig& config) {
    DatasetConfig defaults;
    defaults.kind = config.kind;
    return dataset_fields().form(config, defaults);
}

bool dataset_is_multi_label(const DatasetConfig& config) {
    if (config.kind == DatasetKind::synthetic_graph) return config.resembles == "ppi";
    return find_dataset(config.kind).multi_label;
}

DefaultMetrics default_metrics_of(const DatasetConfig& config) {
    if (find_dataset(config.kind).shape == DataShape::multi_task) return DefaultMetrics::multi_task_regression;
    if (find_dataset(config.kind).shape == DataShape::ctr) return DefaultMetrics::click_through;
    if (!dataset_is_multi_label(config)) return DefaultMetrics::accuracy;
    return find_dataset(config.kind).shape == DataShape::graph ? DefaultMetrics::micro_f1 : DefaultMetrics::ranking;
}

namespace {

SyntheticXmlcSpec synthetic_spec(const DatasetConfig& config) {
    SyntheticXmlcSpec spec;
    if (config.shape == "delicious_200k") {
        spec = delicious_200k_shape(config.train_samples > 0 ? config.train_samples : 20000,
                                    config.test_samples > 0 ? config.test_samples : 5000);
    } else if (config.shape == "amazon_670k") {
        spec = amazon_670k_shape(config.train_samples > 0 ? config.train_samples : 20000,
                                 config.test_samples > 0 ? config.test_samples : 5000);
    } else {
        spec = small_synthetic_xmlc();
        if (config.train_samples > 0) spec.train_samples = config.train_samples;
        if (config.test_samples > 0) spec.test_samples = config.test_samples;
    }
    spec.seed = static_cast<std::uint64_t>(config.seed);
    return spec;
}

// Checks before generating that the two splits fit in memory, naming the sample-count key when not.
void require_synthetic_data_fits_in_memory(const SyntheticXmlcSpec& spec) {
    // Per sample, as the generator stores it: a 4-byte id and a 4-byte value per feature and per label,
    // and an 8-byte row offset in each of the two matrices.
    const double bytes_per_sample = 8 * spec.mean_features_per_sample + 8 * spec.mean_labels_per_sample + 16;
    const double train_bytes = bytes_per_sample * static_cast<double>(spec.train_samples);
    const double test_bytes = bytes_per_sample * static_cast<double>(spec.test_samples);
    const std::string shortfall = host_memory_shortfall(train_bytes + test_bytes);
    if (shortfall.empty()) return;
    const bool train_is_larger = train_bytes >= test_bytes;
    const std::string key = train_is_larger ? "dataset.train_samples" : "dataset.test_samples";
    const std::int64_t samples = train_is_larger ? spec.train_samples : spec.test_samples;
    throw ConfigError(key + " = " + std::to_string(samples) + ": the synthetic data set '" + spec.name + "' (" +
                      std::to_string(spec.train_samples) + " train and " + std::to_string(spec.test_samples) +
                      " test samples of about " + std::to_string(static_cast<std::int64_t>(spec.mean_features_per_sample)) +
                      " features each) would " + shortfall + ". Ask for fewer samples.");
}

// Train and test files may each use fewer feature or label ids than the other: both take the wider space.
void share_feature_and_label_spaces(DataSplit& split) {
    if (split.train.sparse_features != split.test.sparse_features) {
        throw DataError("the train set (" + split.train.source + ") and the test set (" + split.test.source +
                        ") differ in feature kind (sparse and dense)");
    }
    if (split.train.sparse_features) {
        const std::int64_t features = std::max(split.train.sparse.cols, split.test.sparse.cols);
        split.train.sparse.cols = features;
        split.test.sparse.cols = features;
    } else if (split.train.dense.cols != split.test.dense.cols) {
        throw DataError("the train set has " + std::to_string(split.train.dense.cols) + " features per sample and the "
                        "test set " + std::to_string(split.test.dense.cols));
    }
    const std::int64_t labels = std::max(split.train.labels.cols, split.test.labels.cols);
    split.train.labels.cols = labels;
    split.test.labels.cols = labels;
}

}  // namespace

DataSplit load_dataset(const DatasetConfig& config, const std::filesystem::path& config_folder) {
    DataSplit split;
    if (config.kind == DatasetKind::synthetic_xmlc) {
        const SyntheticXmlcSpec spec = synthetic_spec(config);
        require_synthetic_data_fits_in_memory(spec);
        split = generate_synthetic_xmlc(spec);
    } else if (config.kind == DatasetKind::xmlc_text) {
        split.train = read_xmlc_text(resolve_data_path(config.train, config_folder));
        split.test = read_xmlc_text(resolve_data_path(config.test, config_folder));
    } else if (config.kind == DatasetKind::libsvm || config.kind == DatasetKind::multilabel_libsvm) {
        LibsvmOptions options;
        options.multi_label = config.kind == DatasetKind::multilabel_libsvm;
        options.num_features = config.num_features;
        split.train = read_libsvm(resolve_data_path(config.train, config_folder), options);
        split.test = read_libsvm(resolve_data_path(config.test, config_folder), options);
    } else if (config.kind == DatasetKind::idx) {
        split.train = read_idx(resolve_data_path(config.train, config_folder),
                               resolve_data_path(config.train_labels, config_folder));
        split.test = read_idx(resolve_data_path(config.test, config_folder),
                              resolve_data_path(config.test_labels, config_folder));
    } else {
        throw DataError("dataset.kind '" + dataset_kind_names().name(config.kind) + "' has no tabular loader");
    }
    share_feature_and_label_spaces(split);
    if (split.train.num_samples() == 0) throw DataError("the train set " + split.train.source + " holds no samples");
    if (split.test.num_samples() == 0) throw DataError("the test set " + split.test.source + " holds no samples");
    if (config.validation_fraction > 0) {
        try {
            return hold_out_validation(split, config.validation_fraction, static_cast<std::uint64_t>(config.validation_seed));
        } catch (const std::invalid_argument& error) {
            throw DataError("dataset.validation_fraction: " + split.train.source + ": " + error.what());
        }
    }
    return split;
}

std::string describe_loaded_data(const DataSplit& data) {
    std::ostringstream line;
    line << "data " << data.train.name << ": " << data.train.num_samples() << " train / " << data.test.num_samples()
         << " test samples, " << data.train.num_features() << " features, " << data.train.num_labels() << " labels";
    if (data.train.sparse_features && data.train.num_samples() > 0) {
        line << ", " << static_cast<double>(data.train.sparse.nnz()) / static_cast<double>(data.train.num_samples())
             << " non-zeros per sample";
    }
    if (data.train.num_samples() > 0) {
        line << ", " << static_cast<double>(data.train.labels.nnz()) / static_cast<double>(data.train.num_samples())
             << " labels per sample";
    }
    return line.str();
}

}  // namespace tb
