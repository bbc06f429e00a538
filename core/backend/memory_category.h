#pragma once
// What a device allocation is for: the backends count their bytes in use per category, so that the
// workbench can show where a device's memory goes. The category is the one in effect on the allocating
// thread: code that allocates for a purpose says so with a MemoryCategoryScope around the allocations
// (a replica's parameters, its optimizer state, a training step's activations), and everything else
// (merge buffers, all-reduce scratch, evaluation) counts as workspace.

#include <array>
#include <cstddef>

namespace tb {

enum class MemoryCategory { parameters, gradients, optimizer_state, activations, workspace };
inline constexpr std::size_t memory_category_count = 5;
inline constexpr std::array<MemoryCategory, memory_category_count> all_memory_categories = {
    MemoryCategory::parameters, MemoryCategory::gradients, MemoryCategory::optimizer_state,
    MemoryCategory::activations, MemoryCategory::workspace};

// "parameters", "gradients", "optimizer state", "activations", "workspace"
const char* to_string(MemoryCategory category);

// Bytes in use per category, indexed by the enum's value.
using MemoryByCategory = std::array<std::size_t, memory_category_count>;

// The category of allocations made on this thread while the scope lives; scopes nest.
class MemoryCategoryScope {
public:
    explicit MemoryCategoryScope(MemoryCategory category);
    ~MemoryCategoryScope();
    MemoryCategoryScope(const MemoryCategoryScope&) = delete;
    MemoryCategoryScope& operator=(const MemoryCategoryScope&) = delete;

    static MemoryCategory current();

private:
    MemoryCategory previous_;
};

}  // namespace tb
