#pragma once
// The shapes a data set can have (DESIGN.md, "Data shapes"). A data set kind says which shape it loads;
// a method says which shape it reads; a config that pairs them wrongly is an error at parse time.

#include "core/config/enum_names.h"

namespace tb {

enum class DataShape {
    tabular,           // features (sparse or dense) and labels per row
    graph,             // nodes, CSR adjacency, features, labels, split masks
    graph_collection,  // many small graphs with a label each (TU data sets)
    multi_task,        // per-task features and targets
    image_classes,     // images grouped by class, for episodes
    ctr,               // dense and categorical fields with a click label
};

const EnumNames<DataShape>& data_shape_names();

}  // namespace tb
