#pragma once
// A model: a parameter layout, its initial values, and explicit forward and backward passes over one
// replica's parameters. A Model instance holds that replica's activation workspace, so each worker of
// a fleet owns one.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/batch.h"
#include "core/model/loss.h"
#include "core/nn/parameter_arena.h"
#include "core/nn/step_cost.h"

namespace tb {

class Model {
public:
    virtual ~Model() = default;

    virtual const ArenaLayout& layout() const = 0;
    virtual LossKind loss() const = 0;
    // Initial parameter values in the layout, a pure function of the seed (the same on every backend).
    virtual std::vector<float> initial_parameters(std::uint64_t seed) const = 0;
    // Returns the logits (batch x outputs), valid until the next forward. They are the model's own
    // scratch: training overwrites them with their gradient, which backward never needs them for.
    virtual MatrixView forward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                                    bool training) = 0;
    // The logits for evaluation only: no backward may follow, so a model may free each layer's activations
    // once the next layer has read them (a whole graph's GCN evaluation then holds a few layers' worth,
    // not all). The default is forward with training false.
    virtual MatrixView score(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch) {
        return forward(backend, parameters, batch, /*training=*/false);
    }
    // Overwrites `gradients` with d(loss)/d(parameters) given d(loss)/d(logits) for the batch of the last
    // forward (not of a score).
    virtual void backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                          ConstMatrixView grad_logits, Gradients& gradients) = 0;
    // One training pass: forward, the loss and backward, leaving d(loss)/d(parameters) times grad_scale
    // in `gradients` and returning the summed loss. The default runs forward, loss_and_gradient and
    // backward (core/model/model.cpp); a model may fuse its output layer with the loss.
    virtual double forward_backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                                    float grad_scale, Gradients& gradients);
    // The work of one training step on `batch` (forward, backward, a plain SGD update): the simulated
    // clock's cost model.
    virtual StepCost training_cost(const HostBatch& batch) const = 0;
    // The model's hyperparameters as JSON (for logs and the run store).
    virtual nlohmann::json describe() const = 0;
};

}  // namespace tb
