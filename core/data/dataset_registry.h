#pragma once
// Every data set kind of the `dataset` section: what it reads, the shape it loads and whether its
// labels are multi-label (which picks the default metrics).

#include <string>
#include <vector>

#include "core/config/enum_names.h"
#include "core/config/setting_description.h"
#include "core/data/data_shape.h"

namespace tb {

enum class DatasetKind { synthetic_xmlc, xmlc_text, libsvm, multilabel_libsvm, idx, ogb_node, synthetic_graph, tu_graphs, synthetic_graphs,
                         multi_task_mat, multi_task_folder, synthetic_multi_task, criteo, synthetic_ctr };

const EnumNames<DatasetKind>& dataset_kind_names();

// How a tabular data set stores its features, which decides the input layer a model needs.
enum class FeatureLayout { sparse, dense };

struct DatasetEntry {
    DatasetKind kind;
    std::string description;
    DataShape shape;
    FeatureLayout features;
    bool multi_label;
};

const std::vector<DatasetEntry>& dataset_registry();
const DatasetEntry& find_dataset(DatasetKind kind);
std::vector<KindDescription> dataset_kind_descriptions();

}  // namespace tb
