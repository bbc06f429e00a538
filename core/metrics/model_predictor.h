#pragma once
// A model replica as a predictor: forward pass on the replica's backend, loss and top-k on the device,
// and only what was asked for copied to the host. The device scratch belongs to this object, so one
// ModelPredictor serves one evaluation: the backend it lives on may be gone by the next.

#include "core/backend/backend.h"
#include "core/metrics/predictor.h"
#include "core/model/model.h"

namespace tb {

class ModelPredictor final : public Predictor {
public:
    ModelPredictor(Backend& backend, Model& model, const ParameterArena& parameters)
        : backend_(backend), model_(model), parameters_(parameters) {}

    BlockScores score(const HostBatch& rows, const ScoreRequest& request) override;

private:
    Backend& backend_;
    Model& model_;
    const ParameterArena& parameters_;
    DeviceBatch device_batch_;
    DeviceBuffer<std::int32_t> top_k_;
};

}  // namespace tb
