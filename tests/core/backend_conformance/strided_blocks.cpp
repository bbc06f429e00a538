#include "tests/core/backend_conformance/strided_blocks.h"

#include <cstring>
#include <stdexcept>

#include "tests/core/backend_conformance/random_inputs.h"

namespace tb::conformance {

HostMatrix widen(Random& random, const HostMatrix& block) {
    const std::int64_t cols = columns_left_of_block + block.cols + columns_right_of_block;
    HostMatrix wide = random_matrix(random, block.rows, cols);
    for (std::int64_t row = 0; row < block.rows; ++row) {
        for (std::int64_t j = 0; j < block.cols; ++j) {
            wide.values[static_cast<std::size_t>(row * cols + columns_left_of_block + j)] =
                block.values[static_cast<std::size_t>(row * block.cols + j)];
        }
    }
    return wide;
}

HostMatrix columns_of(const HostMatrix& wide, std::int64_t first_column, std::int64_t count) {
    HostMatrix block(wide.rows, count);
    for (std::int64_t row = 0; row < wide.rows; ++row) {
        for (std::int64_t j = 0; j < count; ++j) {
            block.values[static_cast<std::size_t>(row * count + j)] =
                wide.values[static_cast<std::size_t>(row * wide.cols + first_column + j)];
        }
    }
    return block;
}

void compare_column_block(CaseContext& context, const std::string& output, const std::vector<float>& wide_after,
                          const HostMatrix& wide_before, std::int64_t block_cols, const reference::Expected& expected,
                          const Tolerance& tolerance, double terms) {
    const HostMatrix after(wide_before.rows, wide_before.cols, wide_after);
    context.compare(output, columns_of(after, columns_left_of_block, block_cols).values, expected, tolerance, terms);
    for (std::int64_t row = 0; row < after.rows; ++row) {
        for (std::int64_t column = 0; column < after.cols; ++column) {
            if (column >= columns_left_of_block && column < columns_left_of_block + block_cols) continue;
            const std::size_t at = static_cast<std::size_t>(row * after.cols + column);
            if (std::memcmp(&after.values[at], &wide_before.values[at], sizeof(float)) != 0) {
                context.fail(output + ": row " + std::to_string(row) + ", column " + std::to_string(column) +
                             " lies outside the block but was written");
                return;
            }
        }
    }
}

bool strided_views_refused(CaseContext& context, Operation operation, const std::function<void()>& call) {
    if (context.backend().supports_strided_views(operation)) return false;
    const std::string name(to_string(operation));
    try {
        call();
        context.fail(name + " does not claim strided views (supports_strided_views) but accepted one");
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        if (message.find(name) == std::string::npos || message.find("strided") == std::string::npos) {
            context.fail(name + " rejected a strided view with a message that names neither it nor the view: \"" +
                         message + "\"");
        }
    } catch (const std::exception& error) {
        context.fail(name + " rejected a strided view with the wrong exception type: " + error.what());
    }
    return true;
}

}  // namespace tb::conformance
