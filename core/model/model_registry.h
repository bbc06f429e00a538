#pragma once
// Every model kind of the `model` section: what it is, the data shape it reads and the feature layout
// its input layer takes, so that a model that cannot read the data set is refused at parse time.

#include <string>
#include <vector>

#include "core/config/enum_names.h"
#include "core/config/setting_description.h"
#include "core/data/data_shape.h"
#include "core/data/dataset_registry.h"

namespace tb {

enum class ModelKind { sparse_mlp, dense_mlp, gcn };

const EnumNames<ModelKind>& model_kind_names();

struct ModelEntry {
    ModelKind kind;
    std::string description;
    DataShape reads;
    FeatureLayout input;
};

const std::vector<ModelEntry>& model_registry();
const ModelEntry& find_model(ModelKind kind);
std::vector<KindDescription> model_kind_descriptions();

}  // namespace tb
