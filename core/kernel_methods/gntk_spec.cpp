#include "core/kernel_methods/gntk_spec.h"

#include <stdexcept>

namespace tb {

void GntkSpec::check() const {
    if (blocks < 1) throw std::invalid_argument("gntk: blocks must be at least 1, got " + std::to_string(blocks));
    if (mlp_layers < 1) {
        throw std::invalid_argument("gntk: mlp_layers must be at least 1, got " + std::to_string(mlp_layers));
    }
}

std::string GntkSpec::key() const {
    return "L" + std::to_string(blocks) + " R" + std::to_string(mlp_layers) + " " + config_name(pooling) + " " +
           config_name(readout) + " " + config_name(features);
}

const char* config_name(NeighbourPooling pooling) { return pooling == NeighbourPooling::sum ? "sum" : "average"; }

const char* config_name(GraphReadout readout) {
    return readout == GraphReadout::sum ? "sum" : "jumping_knowledge";
}

const char* config_name(NodeFeatureSource source) {
    switch (source) {
        case NodeFeatureSource::labels: return "labels";
        case NodeFeatureSource::degrees: return "degrees";
        case NodeFeatureSource::attributes: return "attributes";
    }
    return "labels";
}

}  // namespace tb
