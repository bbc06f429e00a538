#include "core/data/loaded_data.h"

#include <stdexcept>
#include <string>

namespace tb {

namespace {

[[noreturn]] void wrong_shape(DataShape wanted, DataShape held) {
    throw std::logic_error("the method reads " + data_shape_names().name(wanted) + " data, but the data set is " +
                           data_shape_names().name(held));
}

}  // namespace

LoadedData::LoadedData(std::shared_ptr<const DataSplit> split) : shape_(DataShape::tabular), split_(std::move(split)) {}

LoadedData::LoadedData(std::shared_ptr<const NodeGraph> graph) : shape_(DataShape::graph), graph_(std::move(graph)) {}

LoadedData::LoadedData(std::shared_ptr<const GraphCollection> collection)
    : shape_(DataShape::graph_collection), collection_(std::move(collection)) {}

LoadedData::LoadedData(std::shared_ptr<const MultiTaskSplit> tasks)
    : shape_(DataShape::multi_task), tasks_(std::move(tasks)) {}

LoadedData::LoadedData(std::shared_ptr<const CtrSplit> clicks) : shape_(DataShape::ctr), clicks_(std::move(clicks)) {}

LoadedData LoadedData::viewing(const DataSplit& split) {
    // The aliasing constructor with no owner: a shared_ptr that points at the caller's split and frees nothing.
    return LoadedData(std::shared_ptr<const DataSplit>(std::shared_ptr<const DataSplit>(), &split));
}

const DataSplit& LoadedData::split() const {
    if (shape_ != DataShape::tabular) wrong_shape(DataShape::tabular, shape_);
    return *split_;
}

const NodeGraph& LoadedData::graph() const {
    if (shape_ != DataShape::graph) wrong_shape(DataShape::graph, shape_);
    return *graph_;
}

const GraphCollection& LoadedData::collection() const {
    if (shape_ != DataShape::graph_collection) wrong_shape(DataShape::graph_collection, shape_);
    return *collection_;
}

const MultiTaskSplit& LoadedData::tasks() const {
    if (shape_ != DataShape::multi_task) wrong_shape(DataShape::multi_task, shape_);
    return *tasks_;
}

const CtrSplit& LoadedData::clicks() const {
    if (shape_ != DataShape::ctr) wrong_shape(DataShape::ctr, shape_);
    return *clicks_;
}

}  // namespace tb
