#include "core/methods/decentralized/decentralized_settings.h"

namespace tb {

DecentralizedSettings read_decentralized_settings(ConfigReader& reader) {
    DecentralizedSettings settings;
    settings.batch_size = reader.get_integer("batch_size", settings.batch_size);
    reader.require_range("batch_size", static_cast<double>(settings.batch_size), 1, 1 << 20);
    settings.topology = parse_topology_config(reader.object("topology"));
    settings.evaluate_workers = reader.get_bool("evaluate_workers", settings.evaluate_workers);
    return settings;
}

nlohmann::json to_json(const DecentralizedSettings& settings) {
    return {{"batch_size", settings.batch_size},
            {"topology", to_json(settings.topology)},
            {"evaluate_workers", settings.evaluate_workers}};
}

DecentralizedSettings decentralized_settings_from_json(const nlohmann::json& parameters) {
    // The parameters were normalised by read_decentralized_settings, so reading them again cannot fail.
    ConfigReader reader(parameters, "method");
    DecentralizedSettings settings;
    settings.batch_size = parameters.at("batch_size").get<std::int64_t>();
    settings.topology = parse_topology_config(reader.object("topology"));
    settings.evaluate_workers = parameters.at("evaluate_workers").get<bool>();
    return settings;
}

}  // namespace tb
