#include "core/nn/module.h"

#include <stdexcept>

namespace tb::nn {

std::int64_t Saved::bytes() const {
    std::int64_t total = 0;
    for (const ConstMatrixView& tensor : tensors) total += tensor.size() * static_cast<std::int64_t>(sizeof(float));
    for (const Saved& child : children) total += child.bytes();
    return total;
}

float BackwardPass::claim(std::size_t segment) {
    if (written_.size() <= segment) written_.resize(parameters.layout().segments().size(), false);
    if (!written_[segment]) {
        written_[segment] = true;
        return 0.0f;
    }
    const ParameterSegment& tied = parameters.layout().segment(segment);
    if (tied.row_sparse_gradient) {
        throw std::invalid_argument("parameter segment '" + tied.name +
                                    "' has a row-sparse gradient and cannot be shared by two modules");
    }
    return 1.0f;
}

}  // namespace tb::nn
