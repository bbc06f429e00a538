#include "core/data/load_data.h"

#include <sstream>

#include "core/data/ctr/ctr_dataset.h"
#include "core/data/data_paths.h"
#include "core/data/graph/ogb_node_reader.h"
#include "core/data/graph/random_node_split.h"
#include "core/data/graph/synthetic_graph.h"
#include "core/data/graph/synthetic_graph_collection.h"
#include "core/data/graph/tu_collection_reader.h"
#include "core/data/multitask/mat_file_reader.h"
#include "core/data/multitask/synthetic_multi_task.h"
#include "core/data/multitask/task_folder_reader.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {

namespace {

// The statistics of the graph a synthetic_graph resembles: Cora (Sen et al. 2008, as Planetoid ships it),
// Amazon2M (Chiang et al., KDD 2019, Table 3: 2,449,029 nodes, 61,859,140 edges, 100 features, 47 classes)
// and PPI (Hamilton et al. 2017: 56,944 nodes, 818,716 edges, 50 features, 121 labels).
SyntheticGraphSpec resembled_graph(const DatasetConfig& config) {
    SyntheticGraphSpec spec;  // Cora-sized
    spec.name = "synthetic-" + config.resembles;
    if (config.resembles == "amazon2m") {
        spec.nodes = 2'449'029;
        spec.average_degree = 2.0 * 61'859'140 / 2'449'029;
        spec.classes = 47;
        spec.features = 100;
    } else if (config.resembles == "ppi") {
        spec.nodes = 56'944;
        spec.average_degree = 2.0 * 818'716 / 56'944;
        spec.classes = 24;             // communities that shape the edges; each is one of the labels
        spec.multi_label_count = 121;
        spec.labels_per_node = 30;     // PPI nodes carry about a quarter of the 121 labels
        spec.features = 50;
    }
    if (config.nodes > 0) spec.nodes = config.nodes;
    if (config.average_degree > 0) spec.average_degree = config.average_degree;
    if (config.features > 0) spec.features = config.features;
    spec.seed = static_cast<std::uint64_t>(config.seed);
    return spec;
}

void require_synthetic_graph_fits_in_memory(const SyntheticGraphSpec& spec) {
    // CSR entries (a 4-byte column and a 4-byte value), the dense features, offsets and labels.
    const double nodes = static_cast<double>(spec.nodes);
    const double bytes = nodes * spec.average_degree * 8 + nodes * static_cast<double>(spec.features) * 4 +
                         nodes * (16 + 8.0 * static_cast<double>(spec.labels_per_node));
    const std::string shortfall = host_memory_shortfall(bytes);
    if (shortfall.empty()) return;
    throw ConfigError("dataset.nodes = " + std::to_string(spec.nodes) + ": the synthetic graph (" +
                      std::to_string(spec.features) + " features, about " +
                      std::to_string(static_cast<std::int64_t>(spec.average_degree)) + " neighbours per node) would " +
                      shortfall + ". Ask for fewer nodes or a lower average_degree.");
}

// Kipf and Welling's preprocessing of bag-of-words features: each row scaled to sum to 1 (rows that sum
// to 0 or less stay as they are).
void normalize_feature_rows(HostMatrix& features) {
    for (std::int64_t row = 0; row < features.rows; ++row) {
        float* values = features.values.data() + row * features.cols;
        double sum = 0;
        for (std::int64_t c = 0; c < features.cols; ++c) sum += values[c];
        if (sum <= 0) continue;
        const float scale = static_cast<float>(1.0 / sum);
        for (std::int64_t c = 0; c < features.cols; ++c) values[c] *= scale;
    }
}

}  // namespace

NodeGraph load_node_graph(const DatasetConfig& config, const std::filesystem::path& config_folder) {
    if (config.kind == DatasetKind::ogb_node) {
        NodeGraph graph = read_ogb_node_graph(resolve_data_folder(config.folder, config_folder), config.split);
        if (config.normalize_features) normalize_feature_rows(graph.features);
        for (const char* name : {"train", "test"}) {
            if (graph.splits[name].empty()) {
                throw DataError(graph.source + ": the split has no " + std::string(name) + " nodes");
            }
        }
        return graph;
    }
    if (config.kind == DatasetKind::synthetic_graph) {
        const SyntheticGraphSpec spec = resembled_graph(config);
        require_synthetic_graph_fits_in_memory(spec);
        NodeGraph graph;
        try {
            graph = generate_synthetic_graph(spec);
        } catch (const std::invalid_argument& error) {
            throw ConfigError(std::string("dataset: ") + error.what());
        }
        try {
            if (config.resembles == "cora") {
                assign_planetoid_split(graph, PlanetoidSplitSizes{}, spec.seed);
            } else {
                assign_fraction_split(graph, FractionSplitSizes{}, spec.seed);
            }
        } catch (const std::invalid_argument& error) {
            throw ConfigError("dataset.nodes = " + std::to_string(spec.nodes) + ": " + error.what());
        }
        return graph;
    }
    throw DataError("dataset.kind '" + dataset_kind_names().name(config.kind) + "' is not a graph");
}

namespace {

MultiTaskData read_or_generate_tasks(const DatasetConfig& config, const std::filesystem::path& config_folder) {
    if (config.kind == DatasetKind::multi_task_mat) {
        return read_multi_task_mat_file(resolve_data_path(config.file, config_folder), config.features_variable,
                                        config.targets_variable);
    }
    if (config.kind == DatasetKind::multi_task_folder) {
        return read_task_folder(resolve_data_folder(config.folder, config_folder));
    }
    SyntheticMultiTaskSpec spec;
    const auto structures = {std::pair{"clusters", PlantedStructure::clusters},
                             std::pair{"low_rank", PlantedStructure::low_rank},
                             std::pair{"shared_features", PlantedStructure::shared_features},
                             std::pair{"related_tasks", PlantedStructure::related_tasks}};
    for (const auto& [name, structure] : structures) {
        if (config.structure == name) spec.structure = structure;
    }
    spec.tasks = config.tasks;
    if (config.features > 0) spec.features = config.features;
    spec.rows_per_task = config.rows_per_task;
    spec.noise = config.noise;
    spec.clusters = config.clusters;
    spec.rank = config.rank;
    spec.shared_features = config.shared_features;
    spec.seed = static_cast<std::uint64_t>(config.seed);
    const double values = static_cast<double>(spec.tasks) * static_cast<double>(spec.rows_per_task) *
                          static_cast<double>(spec.features + 1);
    if (const std::string shortfall = host_memory_shortfall(2 * values * sizeof(double)); !shortfall.empty()) {
        throw ConfigError("dataset: " + std::to_string(spec.tasks) + " tasks of " + std::to_string(spec.rows_per_task) +
                          " rows would " + shortfall + "; ask for fewer tasks or rows");
    }
    try {
        return generate_synthetic_multi_task(spec).data;
    } catch (const std::invalid_argument& error) {
        throw ConfigError(std::string("dataset: ") + error.what());
    }
}

}  // namespace

LoadedData load_data(const DatasetConfig& config, const std::filesystem::path& config_folder) {
    if (find_dataset(config.kind).shape == DataShape::multi_task) {
        const MultiTaskData tasks = read_or_generate_tasks(config, config_folder);
        try {
            return LoadedData(std::make_shared<const MultiTaskSplit>(
                split_each_task(tasks, config.train_fraction, static_cast<std::uint64_t>(config.seed))));
        } catch (const std::invalid_argument& error) {
            throw DataError(tasks.source + ": " + error.what());
        }
    }
    if (find_dataset(config.kind).shape == DataShape::ctr) {
        return LoadedData(std::make_shared<const CtrSplit>(load_ctr_data(config, config_folder)));
    }
    if (config.kind == DatasetKind::synthetic_graphs) {
        SyntheticGraphCollectionSpec spec;
        spec.graphs = config.graphs;
        spec.nodes_per_graph = config.nodes_per_graph;
        if (config.average_degree > 0) spec.average_degree = config.average_degree;
        spec.seed = static_cast<std::uint64_t>(config.seed);
        try {
            return LoadedData(std::make_shared<const GraphCollection>(generate_synthetic_graph_collection(spec)));
        } catch (const std::invalid_argument& error) {
            throw ConfigError(std::string("dataset: ") + error.what());
        }
    }
    if (find_dataset(config.kind).shape == DataShape::graph_collection) {
        return LoadedData(std::make_shared<const GraphCollection>(
            read_tu_collection(resolve_data_folder(config.folder, config_folder), config.collection_name)));
    }
    if (find_dataset(config.kind).shape == DataShape::graph) {
        return LoadedData(std::make_shared<const NodeGraph>(load_node_graph(config, config_folder)));
    }
    return LoadedData(std::make_shared<const DataSplit>(load_dataset(config, config_folder)));
}

std::string describe_loaded_data(const LoadedData& data) {
    if (data.shape() == DataShape::tabular) return describe_loaded_data(data.split());
    std::ostringstream line;
    if (data.shape() == DataShape::multi_task) {
        const MultiTaskSplit& split = data.tasks();
        line << "multi-task data " << split.train.name << ": " << split.train.task_count() << " tasks, "
             << split.train.features << " features, " << split.train.total_rows() << " training and "
             << split.test.total_rows() << " test rows (" << static_cast<int>(split.train_fraction * 100 + 0.5)
             << "% of each task's rows for training, split seed " << split.seed << ")";
        return line.str();
    }
    if (data.shape() == DataShape::ctr) {
        const CtrSplit& split = data.clicks();
        const auto clicks = [](const CtrRows& rows) {
            double total = 0;
            for (float label : rows.labels) total += label;
            return rows.rows() > 0 ? total / static_cast<double>(rows.rows()) : 0.0;
        };
        line << "click data " << split.source << ": "
             << (split.train_stream.empty() ? std::to_string(split.train.rows()) : std::string("streamed")) << " training and "
             << split.test.rows()
             << " test rows, " << split.test.dense_fields << " dense and " << split.test.categorical_fields
             << " categorical fields, " << split.test.total_buckets() << " embedding ids, click rate "
             << clicks(split.train) << " (train) and " << clicks(split.test) << " (test)";
        if (split.malformed_lines_skipped > 0) {
            line << "; " << split.malformed_lines_skipped << " malformed lines skipped, the first: " << split.first_skipped_error;
        }
        return line.str();
    }
    if (data.shape() == DataShape::graph_collection) {
        const GraphCollection& collection = data.collection();
        line << "graph collection " << collection.name << ": " << collection.graphs() << " graphs, " << collection.nodes()
             << " nodes, " << collection.adjacency.nnz() / 2 << " edges, " << collection.node_label_values.size()
             << " node labels, " << collection.node_attributes.cols << " node attributes, "
             << collection.graph_label_values.size() << " classes";
        return line.str();
    }
    const NodeGraph& graph = data.graph();
    line << "graph " << graph.name << ": " << graph.nodes << " nodes, " << graph.undirected_edges() << " edges, "
         << graph.features.cols << " features, " << graph.labels.cols << (graph.multi_label ? " labels" : " classes");
    for (const auto& [name, nodes] : graph.splits) line << ", " << nodes.size() << " " << name;
    return line.str();
}

}  // namespace tb
