#include "core/data/partition_config.h"

namespace tb {

PartitionConfig parse_partition_config(ConfigReader reader) {
    PartitionConfig config;
    config.kind = reader.get_choice("kind", config.kind, {"iid", "dirichlet"});
    if (config.kind == "dirichlet") {
        config.alpha = reader.get_number("alpha", config.alpha);
        reader.require_range("alpha", config.alpha, 1e-3, 1e6);
    }
    const std::int64_t seed = reader.get_integer("seed", static_cast<std::int64_t>(config.seed));
    reader.require_non_negative("seed", static_cast<double>(seed));
    config.seed = static_cast<std::uint64_t>(seed);
    reader.finish();
    return config;
}

nlohmann::json to_json(const PartitionConfig& config) {
    nlohmann::json json = {{"kind", config.kind}, {"seed", config.seed}};
    if (config.kind == "dirichlet") json["alpha"] = config.alpha;
    return json;
}

}  // namespace tb
