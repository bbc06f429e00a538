#pragma once
// nn::Module: a piece of a network with an explicit forward and backward, no tape. A module
//   declare   adds its parameter segments to the arena layout (weight tying finds one already there),
//   forward   computes its output into memory it owns and returns what it saved for backward,
//   backward  consumes that record, writes its parameter gradients and, only when asked, the gradient
//             with respect to its input,
//   cost      is what one training step of it costs the simulated clock,
//   describe  is its JSON, which the module registry (core/nn/module_registry.h) builds it back from.
// Containers (core/nn/containers/) compose modules; what each of them keeps between forward and backward
// is spelled out by its Saved record, so the activation memory of a network is visible and a container
// may choose to keep less (Checkpointed, ReversibleGroup) and recompute instead.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/backend/backend.h"
#include "core/data/batch.h"
#include "core/nn/parameter_arena.h"
#include "core/nn/step_cost.h"

namespace tb::nn {

// What a module reads: a dense activation matrix, or the batch's sparse features (only a sparse input
// layer reads those; every other module needs dense input).
struct ModuleInput {
    ConstMatrixView dense;
    const DeviceBatch* sparse_batch = nullptr;

    ModuleInput() = default;
    ModuleInput(ConstMatrixView matrix) : dense(matrix) {}                      // NOLINT: dense input converts
    ModuleInput(MatrixView matrix) : dense(matrix) {}                           // NOLINT
    explicit ModuleInput(const DeviceBatch& batch) : sparse_batch(&batch) {}
    std::int64_t rows() const { return sparse_batch != nullptr ? sparse_batch->size : dense.rows; }
};

// What a forward kept for its backward: views of memory the modules own (their outputs, a dropout mask)
// or of their input, valid until the same module's next forward, and the records of a container's
// children. backward reads it and leaves it as it was, so it may be consumed more than once before the
// next forward (FixedPoint's adjoint iteration does).
struct Saved {
    std::vector<ConstMatrixView> tensors;
    ModuleInput input;  // the input the forward read, for modules whose backward needs it
    std::vector<Saved> children;

    // Bytes of the activations this record keeps alive beyond the module's own parameters; the input is
    // counted where it was produced, not here.
    std::int64_t bytes() const;
};

struct Forward {
    MatrixView output;
    Saved saved;
};

struct ForwardPass {
    Backend& backend;
    const ParameterArena& parameters;
    bool training = true;
    // The normalized adjacency among the rows of the activations, on the backend's device, when they are
    // a graph's nodes (a whole graph, or a Cluster-GCN batch): graph modules aggregate over it.
    const CsrView* graph = nullptr;
    // Evaluation that no backward follows (Model::score): containers may free a module's activations
    // once a later module has read them, and the records they return are not for backward.
    bool release_consumed_activations = false;
};

// The state of one backward pass over a network: where gradients go, and which segments were already
// written in this pass. A segment's first write overwrites it (so a step never has to zero the gradient
// arena first); a later write to the same segment, from a module whose weights are tied to it, adds.
class BackwardPass {
public:
    BackwardPass(Backend& on, const ParameterArena& of, Gradients& into) : backend(on), parameters(of), gradients(into) {}

    Backend& backend;
    const ParameterArena& parameters;
    Gradients& gradients;
    // false while a container only wants input gradients (FixedPoint's adjoint iterations): modules then
    // leave their parameter gradients alone.
    bool parameter_gradients = true;
    // The adjacency the forward aggregated over (ForwardPass::graph).
    const CsrView* graph = nullptr;

    // The beta with which the next write into `segment` must combine with what the gradient holds: 0 the
    // first time in this pass, 1 afterwards. Row-sparse segments cannot be tied: a second claim throws.
    float claim(std::size_t segment);

private:
    std::vector<bool> written_;
};

// The shape of the input of one training step, what the cost model needs to know about a batch.
struct BatchShape {
    std::int64_t rows = 0;
    std::int64_t width = 0;             // input features
    std::int64_t nonzeros = 0;          // of a sparse input
    std::int64_t touched_features = 0;  // distinct feature columns of a sparse input
    std::int64_t graph_entries = 0;     // of the adjacency among the rows, when they are a graph's nodes
};

class Module {
public:
    virtual ~Module() = default;
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    // The module's name in the registry ("linear", "sequential", ...).
    virtual std::string type() const = 0;
    virtual void declare(ArenaLayout& layout) = 0;
    // The width of the output for an input of `input_width` features; throws when the module cannot take
    // that width.
    virtual std::int64_t output_width(std::int64_t input_width) const = 0;
    virtual Forward forward(const ForwardPass& pass, const ModuleInput& input) = 0;
    // Returns the input gradient in memory the module owns (valid until its next backward), or a view with
    // null data when input_gradient is false.
    virtual MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                bool input_gradient) = 0;
    // Forward, backward and a plain SGD update of its parameters for a batch of this shape.
    virtual StepCost cost(const BatchShape& shape) const = 0;
    virtual nlohmann::json describe() const = 0;
    // Frees the memory the module owns for activations and gradients (it is allocated again on the next
    // forward). ReversibleGroup calls it after each block so that its memory stays flat in depth.
    virtual void release_buffers() = 0;
};

}  // namespace tb::nn
