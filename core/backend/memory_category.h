#pragma once
// What a device allocation is for: the backends count their bytes in use, and the most ever held, per
// category, so that the workbench can show where a device's memory goes. The category is the one in
// effect on the allocating thread: code that allocates for a purpose says so with a MemoryCategoryScope
// around the allocations (a graph's adjacency and node features, a replica's parameters, its optimizer
// state, a training step's activations), and everything else (merge buffers, all-reduce scratch,
// evaluation) counts as workspace.

#include <array>
#include <cstddef>

namespace tb {

// The data a graph network keeps on the device comes first (adjacency: a graph's CSR structure and
// its normalized values; features: its node features), then the model's own memory, then the step's.
// A tabular training batch counts as activations: it lives only for its step.
enum class MemoryCategory { adjacency, features, parameters, gradients, optimizer_state, activations, workspace };
inline constexpr std::size_t memory_category_count = 7;
inline constexpr std::array<MemoryCategory, memory_category_count> all_memory_categories = {
    MemoryCategory::adjacency, MemoryCategory::features,        MemoryCategory::parameters,
    MemoryCategory::gradients, MemoryCategory::optimizer_state, MemoryCategory::activations,
    MemoryCategory::workspace};

// "adjacency", "features", "parameters", "gradients", "optimizer state", "activations", "workspace"
const char* to_string(MemoryCategory category);

// Bytes per category, indexed by the enum's value.
using MemoryByCategory = std::array<std::size_t, memory_category_count>;

// The most bytes a device held at once since its counts began (or were last reset): per category, each
// at its own moment, and of all categories together. The total's peak is what meets a memory limit; it
// is at most, and usually less than, the sum of the categories' peaks.
struct MemoryPeaks {
    MemoryByCategory by_category{};
    std::size_t total = 0;
};

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
