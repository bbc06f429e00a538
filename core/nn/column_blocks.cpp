#include "core/nn/column_blocks.h"

#include <stdexcept>
#include <string>

namespace tb::nn {

void copy_columns(Backend& backend, ConstMatrixView source, std::int64_t source_column, MatrixView target,
                  std::int64_t target_column, std::int64_t width) {
    if (source.rows != target.rows || source_column < 0 || target_column < 0 || width < 0 ||
        source_column + width > source.cols || target_column + width > target.cols) {
        throw std::invalid_argument("copy_columns: " + std::to_string(width) + " columns from column " +
                                    std::to_string(source_column) + " of a " + std::to_string(source.rows) + " x " +
                                    std::to_string(source.cols) + " matrix to column " + std::to_string(target_column) +
                                    " of a " + std::to_string(target.rows) + " x " + std::to_string(target.cols) + " one");
    }
    if (width == 0 || source.rows == 0) return;
    if (width == source.cols && width == target.cols) {
        backend.copy_device_to_device(target.data, source.data, sizeof(float) * static_cast<std::size_t>(source.size()));
        return;
    }
    for (std::int64_t row = 0; row < source.rows; ++row) {
        backend.copy_device_to_device(target.data + row * target.cols + target_column,
                                      source.data + row * source.cols + source_column,
                                      sizeof(float) * static_cast<std::size_t>(width));
    }
}

}  // namespace tb::nn
