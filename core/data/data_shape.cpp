#include "core/data/data_shape.h"

namespace tb {

const EnumNames<DataShape>& data_shape_names() {
    static const EnumNames<DataShape> names = {{DataShape::tabular, "tabular"},
                                               {DataShape::graph, "graph"},
                                               {DataShape::graph_collection, "graph collection"},
                                               {DataShape::multi_task, "multi-task"},
                                               {DataShape::image_classes, "image classes"},
                                               {DataShape::ctr, "CTR"}};
    return names;
}

}  // namespace tb
