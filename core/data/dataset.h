#pragma once
// A data set in host memory: features (sparse CSR or dense rows) and labels (a CSR of label ids per
// sample, value 1). Single-label data has exactly one label per row.

#include <cstdint>
#include <string>

#include "core/tensor/host_csr.h"

namespace tb {

enum class TaskKind { multi_label, single_label };

struct Dataset {
    std::string name;    // short name for summaries and the run store ("bibtex", "fashion-mnist")
    std::string source;  // where it came from, for messages (a path, or the generator's parameters)
    TaskKind task = TaskKind::multi_label;
    bool sparse_features = true;
    HostCsr sparse;    // when sparse_features
    HostMatrix dense;  // otherwise
    HostCsr labels;    // rows = samples, cols = number of labels

    std::int64_t num_samples() const { return labels.rows; }
    std::int64_t num_features() const { return sparse_features ? sparse.cols : dense.cols; }
    std::int64_t num_labels() const { return labels.cols; }
};

struct DataSplit {
    Dataset train;
    Dataset test;
};

}  // namespace tb
