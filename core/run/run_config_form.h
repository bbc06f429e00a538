#pragma once
// The editor's form of a run config, section by section, from the registries and field tables: for a
// kind-ed section its kinds and the fields its current kind reads, for the others their fields. A kind
// registered anywhere (a plug-in, a test) appears here without the editor knowing about it.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/setting_description.h"
#include "core/session/run_config.h"

namespace tb {

struct SectionForm {
    std::string key;    // "optimizer"
    std::string title;  // "Optimizer"
    std::vector<KindDescription> kinds;  // empty for a section without kinds
    SettingsForm fields;                 // without "kind"; keys relative to the section
};

// method, dataset, model, optimizer, fleet (its devices an object_list field), stop, eval.
std::vector<SectionForm> run_config_form(const RunConfig& config);
// The same for a document that may not be valid yet (a data set kind chosen, its files not yet given):
// each section that parses on its own gives its form; one that does not gives the form of the kind it
// names (or the default kind), so the editor can show the fields still to fill in.
std::vector<SectionForm> run_config_form(const nlohmann::json& document);

}  // namespace tb
