#include "core/data/dataset_config.h"

#include <algorithm>
#include <sstream>

#include "core/data/data_paths.h"
#include "core/data/idx_reader.h"
#include "core/data/libsvm_reader.h"
#include "core/data/synthetic_xmlc.h"
#include "core/data/xmlc_text_reader.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {

DatasetConfig parse_dataset_config(ConfigReader reader) {
    DatasetConfig config;
    config.kind = reader.get_choice("kind", config.kind,
                                    {"xmlc_text", "libsvm", "multilabel_libsvm", "idx", "synthetic_xmlc"});
    if (config.kind == "synthetic_xmlc") {
        config.shape = reader.get_choice("shape", config.shape, {"small", "delicious_200k", "amazon_670k"});
        config.train_samples = reader.get_integer("train_samples", 0);
        reader.require_non_negative("train_samples", static_cast<double>(config.train_samples));
        config.test_samples = reader.get_integer("test_samples", 0);
        reader.require_non_negative("test_samples", static_cast<double>(config.test_samples));
        const std::int64_t seed = reader.get_integer("seed", 1);
        reader.require_non_negative("seed", static_cast<double>(seed));
        config.seed = static_cast<std::uint64_t>(seed);
    } else {
        config.train = reader.require_string("train");
        config.test = reader.require_string("test");
        if (config.kind == "idx") {
            config.train_labels = reader.require_string("train_labels");
            config.test_labels = reader.require_string("test_labels");
        }
        if (config.kind == "libsvm" || config.kind == "multilabel_libsvm") {
            config.num_features = reader.get_integer("num_features", 0);
            reader.require_non_negative("num_features", static_cast<double>(config.num_features));
        }
    }
    if (reader.has("partition")) config.partition = parse_partition_config(reader.object("partition"));
    reader.finish();
    return config;
}

nlohmann::json to_json(const DatasetConfig& config) {
    nlohmann::json json = {{"kind", config.kind}};
    if (config.kind == "synthetic_xmlc") {
        json["shape"] = config.shape;
        json["train_samples"] = config.train_samples;
        json["test_samples"] = config.test_samples;
        json["seed"] = config.seed;
    } else {
        json["train"] = config.train;
        json["test"] = config.test;
    }
    if (config.kind == "idx") {
        json["train_labels"] = config.train_labels;
        json["test_labels"] = config.test_labels;
    }
    if (config.kind == "libsvm" || config.kind == "multilabel_libsvm") json["num_features"] = config.num_features;
    // Written only when it says more than the default, so configs without one read as before.
    const PartitionConfig default_partition;
    if (config.partition.kind != default_partition.kind || config.partition.seed != default_partition.seed) {
        json["partition"] = to_json(config.partition);
    }
    return json;
}

bool dataset_is_multi_label(const DatasetConfig& config) {
    return config.kind == "xmlc_text" || config.kind == "multilabel_libsvm" || config.kind == "synthetic_xmlc";
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
    spec.seed = config.seed;
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
    if (config.kind == "synthetic_xmlc") {
        const SyntheticXmlcSpec spec = synthetic_spec(config);
        require_synthetic_data_fits_in_memory(spec);
        split = generate_synthetic_xmlc(spec);
    } else if (config.kind == "xmlc_text") {
        split.train = read_xmlc_text(resolve_data_path(config.train, config_folder));
        split.test = read_xmlc_text(resolve_data_path(config.test, config_folder));
    } else if (config.kind == "libsvm" || config.kind == "multilabel_libsvm") {
        LibsvmOptions options;
        options.multi_label = config.kind == "multilabel_libsvm";
        options.num_features = config.num_features;
        split.train = read_libsvm(resolve_data_path(config.train, config_folder), options);
        split.test = read_libsvm(resolve_data_path(config.test, config_folder), options);
    } else if (config.kind == "idx") {
        split.train = read_idx(resolve_data_path(config.train, config_folder),
                               resolve_data_path(config.train_labels, config_folder));
        split.test = read_idx(resolve_data_path(config.test, config_folder),
                              resolve_data_path(config.test_labels, config_folder));
    } else {
        throw DataError("dataset.kind '" + config.kind + "' has no loader");
    }
    share_feature_and_label_spaces(split);
    if (split.train.num_samples() == 0) throw DataError("the train set " + split.train.source + " holds no samples");
    if (split.test.num_samples() == 0) throw DataError("the test set " + split.test.source + " holds no samples");
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
