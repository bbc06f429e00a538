#include "core/backend/memory_category.h"

namespace tb {
namespace {

// Per thread: the wall executor's workers allocate concurrently, each for its own purpose.
thread_local MemoryCategory current_category = MemoryCategory::workspace;

}  // namespace

const char* to_string(MemoryCategory category) {
    switch (category) {
        case MemoryCategory::adjacency: return "adjacency";
        case MemoryCategory::features: return "features";
        case MemoryCategory::parameters: return "parameters";
        case MemoryCategory::gradients: return "gradients";
        case MemoryCategory::optimizer_state: return "optimizer state";
        case MemoryCategory::activations: return "activations";
        case MemoryCategory::workspace: return "workspace";
    }
    return "workspace";
}

MemoryCategoryScope::MemoryCategoryScope(MemoryCategory category) : previous_(current_category) {
    current_category = category;
}

MemoryCategoryScope::~MemoryCategoryScope() { current_category = previous_; }

MemoryCategory MemoryCategoryScope::current() { return current_category; }

}  // namespace tb
