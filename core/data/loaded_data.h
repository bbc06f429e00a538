#pragma once
// What a run's `dataset` section loads, in the shape its kind declares (core/data/dataset_registry.h): a
// tabular train and test split, one graph whose nodes carry their own split, a collection of small
// graphs with a label each, the tasks of a multi-task data set split per task, or click-through rows. A
// method reads the shape its registry entry names, and the run config parser has already refused any
// other pairing, so asking for the wrong shape here is a programming error.

#include <memory>

#include "core/data/ctr/ctr_split.h"
#include "core/data/data_shape.h"
#include "core/data/dataset.h"
#include "core/data/graph/graph_collection.h"
#include "core/data/graph/node_graph.h"
#include "core/data/multitask/multi_task_data.h"

namespace tb {

class LoadedData {
public:
    explicit LoadedData(std::shared_ptr<const DataSplit> split);
    explicit LoadedData(std::shared_ptr<const NodeGraph> graph);
    explicit LoadedData(std::shared_ptr<const GraphCollection> collection);
    explicit LoadedData(std::shared_ptr<const MultiTaskSplit> tasks);
    explicit LoadedData(std::shared_ptr<const CtrSplit> clicks);
    // A view of a split the caller keeps alive (tests and benchmarks that load their own).
    static LoadedData viewing(const DataSplit& split);

    DataShape shape() const { return shape_; }
    // Throw std::logic_error naming both shapes when the data has another one.
    const DataSplit& split() const;
    const NodeGraph& graph() const;
    const GraphCollection& collection() const;
    const MultiTaskSplit& tasks() const;
    const CtrSplit& clicks() const;

private:
    DataShape shape_;
    std::shared_ptr<const DataSplit> split_;
    std::shared_ptr<const NodeGraph> graph_;
    std::shared_ptr<const GraphCollection> collection_;
    std::shared_ptr<const MultiTaskSplit> tasks_;
    std::shared_ptr<const CtrSplit> clicks_;
};

}  // namespace tb
