#include "core/data/ctr/ctr_dataset.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/data/ctr/criteo_reader.h"
#include "core/data/ctr/synthetic_ctr.h"
#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {

CtrRows slice_rows(const CtrRows& rows, std::int64_t first, std::int64_t count) {
    CtrRows out;
    out.dense_fields = rows.dense_fields;
    out.categorical_fields = rows.categorical_fields;
    out.buckets_per_field = rows.buckets_per_field;
    const auto begin = static_cast<std::size_t>(first);
    const auto end = static_cast<std::size_t>(first + count);
    out.labels.assign(rows.labels.begin() + static_cast<std::ptrdiff_t>(begin), rows.labels.begin() + static_cast<std::ptrdiff_t>(end));
    const auto dense = static_cast<std::size_t>(rows.dense_fields);
    out.dense.assign(rows.dense.begin() + static_cast<std::ptrdiff_t>(begin * dense),
                     rows.dense.begin() + static_cast<std::ptrdiff_t>(end * dense));
    const auto categorical = static_cast<std::size_t>(rows.categorical_fields);
    out.categorical.assign(rows.categorical.begin() + static_cast<std::ptrdiff_t>(begin * categorical),
                           rows.categorical.begin() + static_cast<std::ptrdiff_t>(end * categorical));
    return out;
}

namespace {

CtrRows read_all(CriteoStream& stream, std::int64_t max_rows) {
    CtrRows all;
    constexpr std::int64_t block = 1 << 16;
    while (true) {
        const std::int64_t wanted = max_rows > 0 ? std::min(block, max_rows - all.rows()) : block;
        if (wanted <= 0 || stream.read(all, wanted) == 0) break;
    }
    return all;
}

CtrSplit read_criteo_split(const DatasetConfig& config, const std::filesystem::path& config_folder) {
    const std::filesystem::path file = resolve_data_path(config.file, config_folder);
    CriteoOptions options;
    options.buckets_per_field = config.buckets_per_field;
    options.hash_seed = static_cast<std::uint64_t>(config.hash_seed);
    options.skip_malformed = config.skip_malformed;
    if (!config.test_file.empty()) {
        const std::filesystem::path test_file = resolve_data_path(config.test_file, config_folder);
        CriteoStream test_stream(test_file, options);
        CtrSplit split;
        split.test = read_all(test_stream, 0);
        if (split.test.rows() < 2) throw DataError(test_file.string() + ": fewer than two test rows");
        split.malformed_lines_skipped = test_stream.malformed_lines_skipped();
        split.first_skipped_error = test_stream.first_skipped_error();
        if (config.stream_train) {
            // Opened once here, so that an unreadable training file is reported before the run starts.
            CriteoStream check(file, options);
            split.train_stream = file;
            split.train_stream_options = options;
            split.source = file.string() + " (streamed) and " + test_file.string();
            return split;
        }
        CriteoStream train_stream(file, options);
        split.train = read_all(train_stream, config.max_rows);
        split.malformed_lines_skipped += train_stream.malformed_lines_skipped();
        if (split.first_skipped_error.empty()) split.first_skipped_error = train_stream.first_skipped_error();
        split.source = file.string() + " and " + test_file.string();
        return split;
    }
    CriteoStream stream(file, options);
    const CtrRows all = read_all(stream, config.max_rows);
    const auto test_rows = static_cast<std::int64_t>(std::llround(config.test_fraction * static_cast<double>(all.rows())));
    if (all.rows() < 2 || test_rows < 1 || test_rows >= all.rows()) {
        throw DataError(file.string() + ": " + std::to_string(all.rows()) + " rows cannot be split into training and "
                        "test rows at test_fraction " + std::to_string(config.test_fraction));
    }
    CtrSplit split;
    split.train = slice_rows(all, 0, all.rows() - test_rows);
    split.test = slice_rows(all, all.rows() - test_rows, test_rows);
    split.malformed_lines_skipped = stream.malformed_lines_skipped();
    split.first_skipped_error = stream.first_skipped_error();
    split.source = file.string();
    return split;
}

CtrSplit generate_ctr_split(const DatasetConfig& config) {
    SyntheticCtrSpec spec;
    if (config.train_samples > 0) spec.train_rows = config.train_samples;
    if (config.test_samples > 0) spec.test_rows = config.test_samples;
    spec.dense_fields = static_cast<int>(config.dense_fields);
    spec.categorical_fields = static_cast<int>(config.categorical_fields);
    spec.vocabulary_per_field = config.vocabulary_per_field;
    spec.zipf_exponent = config.zipf_exponent;
    spec.seed = static_cast<std::uint64_t>(config.seed);
    const double bytes = static_cast<double>(spec.train_rows + spec.test_rows) *
                         (4.0 * (1 + spec.dense_fields + spec.categorical_fields) + 8.0);
    if (const std::string shortfall = host_memory_shortfall(bytes); !shortfall.empty()) {
        throw ConfigError("dataset: " + std::to_string(spec.train_rows + spec.test_rows) + " click rows would " + shortfall +
                          "; ask for fewer train_samples or test_samples");
    }
    try {
        SyntheticCtr data = generate_synthetic_ctr(spec);
        CtrSplit split;
        split.train = std::move(data.train);
        split.test = std::move(data.test);
        split.planted_test_probability = std::move(data.test_click_probability);
        split.source = "synthetic_ctr";
        return split;
    } catch (const std::invalid_argument& error) {
        throw ConfigError(std::string("dataset: ") + error.what());
    }
}

}  // namespace

CtrSplit load_ctr_data(const DatasetConfig& config, const std::filesystem::path& config_folder) {
    if (config.kind == DatasetKind::criteo) return read_criteo_split(config, config_folder);
    if (config.kind == DatasetKind::synthetic_ctr) return generate_ctr_split(config);
    throw std::logic_error("dataset kind '" + dataset_kind_names().name(config.kind) + "' holds no click data");
}

}  // namespace tb
