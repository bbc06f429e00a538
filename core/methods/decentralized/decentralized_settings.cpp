#include "core/methods/decentralized/decentralized_settings.h"

namespace tb {

const FieldTable<DecentralizedSettings>& decentralized_fields() {
    static const FieldTable<DecentralizedSettings> table = [] {
        FieldTable<DecentralizedSettings> t;
        declare_decentralized_fields(t);
        return t;
    }();
    return table;
}

DecentralizedSettings decentralized_settings_from_json(const nlohmann::json& parameters) {
    // Normalized parameters may carry a method's own knobs too: read only the shared ones.
    nlohmann::json shared = nlohmann::json::object();
    for (const std::string& key : decentralized_fields().keys()) {
        if (parameters.contains(key)) shared[key] = parameters.at(key);
    }
    ConfigReader reader(shared, "method");
    DecentralizedSettings settings;
    decentralized_fields().read(reader, settings);
    return settings;
}

}  // namespace tb
