#include "core/model/model_registry.h"

#include <stdexcept>

namespace tb {

const EnumNames<ModelKind>& model_kind_names() {
    static const EnumNames<ModelKind> names = {{ModelKind::sparse_mlp, "sparse_mlp"},
                                                {ModelKind::dense_mlp, "dense_mlp"},
                                                {ModelKind::gcn, "gcn"}};
    return names;
}

const std::vector<ModelEntry>& model_registry() {
    static const std::vector<ModelEntry> entries = {
        {ModelKind::sparse_mlp,
         "MLP with a sparse input layer (the XMLC model of the Adaptive SGD paper): sparse features -> ReLU hidden "
         "layers -> one output per label",
         DataShape::tabular, FeatureLayout::sparse},
        {ModelKind::dense_mlp, "MLP with a dense input layer: dense features -> ReLU hidden layers -> outputs",
         DataShape::tabular, FeatureLayout::dense},
        {ModelKind::gcn,
         "graph convolutional network (Kipf and Welling): per layer dropout, A x W over the normalized adjacency, "
         "ReLU; softmax or sigmoid head",
         DataShape::graph, FeatureLayout::dense},
    };
    return entries;
}

const ModelEntry& find_model(ModelKind kind) {
    for (const ModelEntry& entry : model_registry()) {
        if (entry.kind == kind) return entry;
    }
    throw std::logic_error("model kind '" + model_kind_names().name(kind) + "' has no registry entry");
}

std::vector<KindDescription> model_kind_descriptions() {
    std::vector<KindDescription> kinds;
    for (const ModelEntry& entry : model_registry()) kinds.push_back({model_kind_names().name(entry.kind), entry.description});
    return kinds;
}

}  // namespace tb
