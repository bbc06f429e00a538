#pragma once
// Loading what a `dataset` section names, whatever its shape: the tabular kinds through load_dataset
// (core/data/dataset_config.h), the graph kinds through their reader or generator, a graph collection
// through the TU reader.

#include <filesystem>
#include <string>

#include "core/data/dataset_config.h"
#include "core/data/loaded_data.h"

namespace tb {

// Throws DataError for a malformed file, ConfigError for sizes the machine cannot hold.
LoadedData load_data(const DatasetConfig& config, const std::filesystem::path& config_folder = {});

// The graph of a graph kind (ogb_node, synthetic_graph), with its node split.
NodeGraph load_node_graph(const DatasetConfig& config, const std::filesystem::path& config_folder = {});

// One line for the log: sizes, features, labels, edges.
std::string describe_loaded_data(const LoadedData& data);

}  // namespace tb
