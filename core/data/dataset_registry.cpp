#include "core/data/dataset_registry.h"

#include <stdexcept>

namespace tb {

const EnumNames<DatasetKind>& dataset_kind_names() {
    static const EnumNames<DatasetKind> names = {{DatasetKind::synthetic_xmlc, "synthetic_xmlc"},
                                                 {DatasetKind::xmlc_text, "xmlc_text"},
                                                 {DatasetKind::libsvm, "libsvm"},
                                                 {DatasetKind::multilabel_libsvm, "multilabel_libsvm"},
                                                 {DatasetKind::idx, "idx"},
                                                 {DatasetKind::ogb_node, "ogb_node"},
                                                 {DatasetKind::synthetic_graph, "synthetic_graph"},
                                                 {DatasetKind::tu_graphs, "tu_graphs"},
                                                 {DatasetKind::synthetic_graphs, "synthetic_graphs"},
                                                 {DatasetKind::multi_task_mat, "multi_task_mat"},
                                                 {DatasetKind::multi_task_folder, "multi_task_folder"},
                                                 {DatasetKind::synthetic_multi_task, "synthetic_multi_task"},
                                                 {DatasetKind::criteo, "criteo"},
                                                 {DatasetKind::synthetic_ctr, "synthetic_ctr"}};
    return names;
}

const std::vector<DatasetEntry>& dataset_registry() {
    static const std::vector<DatasetEntry> entries = {
        {DatasetKind::synthetic_xmlc,
         "generated extreme multi-label data with the statistics of a named shape, deterministic per seed",
         DataShape::tabular, FeatureLayout::sparse, true},
        {DatasetKind::xmlc_text, "the Extreme Classification Repository's text format (Bibtex, Delicious-200K)",
         DataShape::tabular, FeatureLayout::sparse, true},
        {DatasetKind::libsvm, "LIBSVM format, one label per line", DataShape::tabular, FeatureLayout::sparse, false},
        {DatasetKind::multilabel_libsvm, "LIBSVM format with comma-separated labels", DataShape::tabular,
         FeatureLayout::sparse, true},
        {DatasetKind::idx, "IDX image and label files (MNIST, Fashion-MNIST), plain or gzip", DataShape::tabular,
         FeatureLayout::dense, false},
        {DatasetKind::ogb_node,
         "one graph in the Open Graph Benchmark's raw node-property layout (Cora with the Planetoid split)",
         DataShape::graph, FeatureLayout::dense, false},
        {DatasetKind::synthetic_graph,
         "a generated graph (degree-corrected block model) resembling Cora, Amazon2M or PPI, deterministic per seed",
         DataShape::graph, FeatureLayout::dense, false},
        {DatasetKind::tu_graphs,
         "a collection of small graphs with a label each, in the TU Dortmund format (MUTAG, PROTEINS, ...)",
         DataShape::graph_collection, FeatureLayout::dense, false},
        {DatasetKind::synthetic_graphs,
         "a generated collection of small labelled graphs in two classes (denser graphs, more of node label 0 "
         "in class 1), deterministic per seed",
         DataShape::graph_collection, FeatureLayout::dense, false},
        {DatasetKind::multi_task_mat,
         "regression tasks from a MATLAB MAT file with cell arrays of per-task features and targets (School), split "
         "per task at train_fraction",
         DataShape::multi_task, FeatureLayout::dense, false},
        {DatasetKind::multi_task_folder,
         "regression tasks from a folder with one CSV or LIBSVM file per task, split per task at train_fraction",
         DataShape::multi_task, FeatureLayout::dense, false},
        {DatasetKind::synthetic_multi_task,
         "generated regression tasks with a planted structure (clusters of tasks, a low-rank weight matrix, shared "
         "features, related tasks), deterministic per seed",
         DataShape::multi_task, FeatureLayout::dense, false},
        {DatasetKind::criteo,
         "click logs in the Criteo display-advertising layout (label, 13 integer and 26 categorical fields), "
         "categorical values hashed into per-field buckets; the last test_fraction of the rows is the test set",
         DataShape::ctr, FeatureLayout::dense, false},
        {DatasetKind::synthetic_ctr,
         "generated Criteo-like click data: Zipf-distributed ids per field and clicks drawn from a planted model, "
         "whose test AUC is the best any model can reach; deterministic per seed",
         DataShape::ctr, FeatureLayout::dense, false},
    };
    return entries;
}

const DatasetEntry& find_dataset(DatasetKind kind) {
    for (const DatasetEntry& entry : dataset_registry()) {
        if (entry.kind == kind) return entry;
    }
    throw std::logic_error("dataset kind '" + dataset_kind_names().name(kind) + "' has no registry entry");
}

std::vector<KindDescription> dataset_kind_descriptions() {
    std::vector<KindDescription> kinds;
    for (const DatasetEntry& entry : dataset_registry()) {
        kinds.push_back({dataset_kind_names().name(entry.kind), entry.description});
    }
    return kinds;
}

}  // namespace tb
