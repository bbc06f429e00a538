#include "core/methods/method_registry.h"

#include "core/errors.h"
#include "core/methods/single_device.h"

namespace tb {

const std::vector<MethodEntry>& method_registry() {
    static const std::vector<MethodEntry> entries = {
        {"single_device", "plain mini-batch SGD on the fleet's first device", &SingleDevice::normalize,
         [](const nlohmann::json& parameters) { return std::make_unique<SingleDevice>(parameters); }},
    };
    return entries;
}

const MethodEntry& find_method(const std::string& kind) {
    std::string known;
    for (const MethodEntry& entry : method_registry()) {
        if (entry.kind == kind) return entry;
        known += (known.empty() ? "" : ", ") + entry.kind;
    }
    throw ConfigError("method.kind '" + kind + "' is not a method; choose one of: " + known);
}

nlohmann::json normalize_method_parameters(const std::string& kind, ConfigReader& reader) {
    return find_method(kind).normalize(reader);
}

}  // namespace tb
