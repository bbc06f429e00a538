#pragma once
// Every optimizer kind: what it is, where its defaults come from, the defaults themselves and its
// factory. The form, the parser and the store's document all start a kind from its entry's defaults,
// so choosing LAMB gives LAMB's learning rate, not SGD's.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/setting_description.h"
#include "core/optim/optimizer_config.h"

namespace tb {

struct OptimizerEntry {
    OptimizerKind kind;
    std::string description;
    std::string defaults_source;  // the paper or reference the defaults follow
    std::function<OptimizerConfig()> defaults;
    std::function<std::unique_ptr<Optimizer>(const OptimizerConfig&, Backend&, const ArenaLayout&)> create;
};

const std::vector<OptimizerEntry>& optimizer_registry();
const OptimizerEntry& find_optimizer(OptimizerKind kind);
std::vector<KindDescription> optimizer_kind_descriptions();

}  // namespace tb
