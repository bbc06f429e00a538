#pragma once
// What every reader promises about a data set it returns, checked after each input a reader accepted:
// a reader that accepts a file and hands back inconsistent matrices has a bug the training code would
// only meet much later, far from the file that caused it.

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "core/data/dataset.h"

namespace tb::fuzz {

[[noreturn]] inline void report_broken_invariant(const char* what) {
    std::fprintf(stderr, "a reader accepted the input but returned an inconsistent data set: %s\n", what);
    std::abort();
}

inline void check_dataset_invariants(const Dataset& data) {
    try {
        data.labels.check_consistency();
        if (data.sparse_features) data.sparse.check_consistency();
    } catch (const std::invalid_argument& error) {
        report_broken_invariant(error.what());
    }
    if (data.sparse_features && data.sparse.rows != data.labels.rows) report_broken_invariant("feature and label row counts differ");
    if (!data.sparse_features) {
        if (data.dense.rows != data.labels.rows) report_broken_invariant("feature and label row counts differ");
        if (data.dense.values.size() != static_cast<std::size_t>(data.dense.rows * data.dense.cols)) {
            report_broken_invariant("dense features hold a different number of values than rows x columns");
        }
    }
    if (data.task == TaskKind::single_label) {
        for (std::int64_t row = 0; row < data.labels.rows; ++row) {
            if (data.labels.row_nnz(row) != 1) report_broken_invariant("a single-label row without exactly one label");
        }
    }
}

}  // namespace tb::fuzz
