#pragma once
// The `dataset` section of a run config, and loading the train and test sets it names.
//   xmlc_text          {"train": "xmlc/bibtex_train.txt", "test": "xmlc/bibtex_test.txt"}
//   libsvm             {"train": ..., "test": ..., "num_features": 0}          single-label
//   multilabel_libsvm  {"train": ..., "test": ..., "num_features": 0}
//   idx                {"train": images, "train_labels": ..., "test": ..., "test_labels": ...}
//   synthetic_xmlc     {"shape": "small" | "delicious_200k" | "amazon_670k", "train_samples": 0,
//                       "test_samples": 0, "seed": 1}   (0 samples: the shape's default)
//   ogb_node           {"folder": "graphs/cora", "split": "planetoid", "normalize_features": true}
//   synthetic_graph    {"resembles": "cora" | "amazon2m" | "ppi", "nodes": 0, "average_degree": 0,
//                       "features": 0, "seed": 1}   (0: the resembled graph's own figure)
//   tu_graphs          {"folder": "graphs/MUTAG", "name": ""}   (name: the files' prefix; empty: the folder's)
//   synthetic_graphs   {"graphs": 1000, "nodes_per_graph": 40, "average_degree": 4, "seed": 1}
//   multi_task_mat     {"file": "mtl/school.mat", "features_variable": "X", "targets_variable": "Y",
//                       "train_fraction": 0.2, "seed": 1}   (seed: which per-task split is drawn)
//   multi_task_folder  {"folder": "my_tasks", "train_fraction": 0.2, "seed": 1}
//   synthetic_multi_task {"structure": "clusters" | "low_rank" | "shared_features" | "related_tasks",
//                       "tasks": 20, "features": 30, "rows_per_task": 100, "noise": 0.1, "clusters": 3,
//                       "rank": 3, "shared_features": 5, "train_fraction": 0.5, "seed": 1}
//   criteo             {"file": "ctr/criteo_sample.txt", "buckets_per_field": 100000, "hash_seed": 0,
//                       "skip_malformed": false, "test_fraction": 0.1, "max_rows": 0, "test_file": "",
//                       "stream_train": false}   (0 rows: all; a test_file instead of the last rows;
//                       stream_train: the training rows read from the file every pass, not held in memory)
//   synthetic_ctr      {"train_samples": 0, "test_samples": 0, "dense_fields": 13, "categorical_fields": 26,
//                       "vocabulary_per_field": 100000, "zipf_exponent": 1.1, "seed": 1}
//                       (0 samples: 100000 and 20000)
// Every kind also takes "partition" (core/data/partition_config.h): how a decentralized fleet splits the
// training set across its workers.
// Relative paths are resolved by resolve_data_path (core/data/data_paths.h).

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/data/dataset.h"
#include "core/data/dataset_registry.h"
#include "core/data/partition_config.h"

namespace tb {

struct DatasetConfig {
    DatasetKind kind = DatasetKind::synthetic_xmlc;
    std::string train;
    std::string test;
    std::string train_labels;  // idx only
    std::string test_labels;   // idx only
    std::int64_t num_features = 0;  // libsvm kinds: 0 infers it from the files
    std::string shape = "small";    // synthetic_xmlc
    std::int64_t train_samples = 0;
    std::int64_t test_samples = 0;
    std::int64_t seed = 1;
    std::string folder;             // ogb_node, tu_graphs
    std::string collection_name;    // tu_graphs: the files' prefix (empty: the folder's name)
    std::string split;              // ogb_node: the folder under split/ (empty: the only one)
    bool normalize_features = true; // ogb_node
    std::string resembles = "cora"; // synthetic_graph
    std::int64_t nodes = 0;         // synthetic_graph, 0: as resembled
    double average_degree = 0;      // synthetic_graph, 0: as resembled
    std::int64_t features = 0;      // synthetic_graph, 0: as resembled
    std::int64_t graphs = 1000;     // synthetic_graphs
    std::int64_t nodes_per_graph = 40;  // synthetic_graphs
    std::string file;                   // multi_task_mat
    std::string features_variable = "X";  // multi_task_mat
    std::string targets_variable = "Y";   // multi_task_mat
    double train_fraction = 0.2;        // multi-task kinds: each task's share of training rows
    std::string structure = "clusters";  // synthetic_multi_task
    std::int64_t tasks = 20;             // synthetic_multi_task
    std::int64_t rows_per_task = 100;    // synthetic_multi_task
    double noise = 0.1;                  // synthetic_multi_task: the targets' noise standard deviation
    std::int64_t clusters = 3;           // synthetic_multi_task: clusters and related_tasks
    std::int64_t rank = 3;               // synthetic_multi_task: low_rank
    std::int64_t shared_features = 5;    // synthetic_multi_task: shared_features
    std::int64_t buckets_per_field = 100000;  // criteo: hash buckets of each categorical field (0 is "missing")
    std::int64_t hash_seed = 0;               // criteo
    bool skip_malformed = false;              // criteo: skip and count malformed lines instead of failing
    double test_fraction = 0.1;               // criteo: the last rows, as Criteo's last day is its test set
    std::int64_t max_rows = 0;                // criteo: read at most this many rows (0: all)
    std::string test_file;                    // criteo: the test rows' own file (empty: the last test_fraction)
    bool stream_train = false;                // criteo: train from the file a batch at a time (needs test_file)
    std::int64_t dense_fields = 13;           // synthetic_ctr
    std::int64_t categorical_fields = 26;     // synthetic_ctr
    std::int64_t vocabulary_per_field = 100000;  // synthetic_ctr
    double zipf_exponent = 1.1;               // synthetic_ctr
    PartitionConfig partition;
    // Tabular kinds: the share of training rows held out as the validation set the run evaluates on
    // instead of the test set (0: none; core/data/validation_holdout.h), and which rows.
    double validation_fraction = 0;
    std::int64_t validation_seed = 1;
};

DatasetConfig parse_dataset_config(ConfigReader reader);
nlohmann::json to_json(const DatasetConfig& config);
bool dataset_is_multi_label(const DatasetConfig& config);
// What a run measures when eval.metrics is not given: the ranking metrics (p@k) for multi-label tabular
// data, accuracy for single-label data, micro-F1 for a multi-label graph (as the Cluster-GCN paper
// reports PPI).
// Multi-task regression measures explained variance and nMSE, pooled and per task.
// Click-through data measures ROC-AUC and the log loss.
enum class DefaultMetrics { ranking, accuracy, micro_f1, multi_task_regression, click_through };
DefaultMetrics default_metrics_of(const DatasetConfig& config);
// The fields `config`'s kind reads, with their defaults: the editor's form.
SettingsForm dataset_settings_form(const DatasetConfig& config);

// Loads both sets of a tabular kind; they share the feature and label spaces (the wider of the two).
// Throws DataError. Data of any shape: load_data (core/data/load_data.h).
DataSplit load_dataset(const DatasetConfig& config, const std::filesystem::path& config_folder = {});

// One line for the log: sizes, features, labels, non-zeros.
std::string describe_loaded_data(const DataSplit& data);

}  // namespace tb
