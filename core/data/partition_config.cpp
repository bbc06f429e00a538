#include "core/data/partition_config.h"

#include "core/config/field_table.h"

namespace tb {

namespace {

const FieldTable<PartitionConfig>& partition_fields() {
    static const FieldTable<PartitionConfig> table = [] {
        FieldTable<PartitionConfig> t;
        t.text_choice("kind", &PartitionConfig::kind, {"iid", "dirichlet"}, "Partition",
                      "a shuffled equal split, or per-class Dirichlet shares (non-IID)");
        t.number("alpha", &PartitionConfig::alpha, "Dirichlet alpha", SettingRange::between(1e-3, 1e6),
                 "small alpha gives each worker few classes")
            .only_when([](const PartitionConfig& c) { return c.kind == "dirichlet"; },
                       [](const PartitionConfig& c) { return "partition kind '" + c.kind + "'"; });
        t.flag("equal_sizes", &PartitionConfig::equal_sizes, "Equal sizes",
               "cut the Dirichlet-dealt rows, concatenated in worker order, into equal slices, as the "
               "authors' partitioner does (off: each worker keeps its drawn share, between half and about "
               "1.5 times the average)")
            .only_when([](const PartitionConfig& c) { return c.kind == "dirichlet"; },
                       [](const PartitionConfig& c) { return "partition kind '" + c.kind + "'"; });
        t.integer("seed", &PartitionConfig::seed, "Seed", SettingRange::at_least(0), "which shuffle and which draws");
        return t;
    }();
    return table;
}

}  // namespace

PartitionConfig parse_partition_config(ConfigReader reader) {
    PartitionConfig config;
    partition_fields().read(reader, config);
    reader.finish();
    return config;
}

nlohmann::json to_json(const PartitionConfig& config) { return partition_fields().to_json(config); }

}  // namespace tb
