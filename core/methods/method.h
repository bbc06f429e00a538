#pragma once
// A method: what runs, as a readable loop over the run context's building blocks (the clock, stop
// criteria, evaluation, events, the fleet's backends through an executor), parameterised from its part of
// the config. Adding a method never touches the GUI or storage: write the file and add it to
// core/run/method_registry.cpp. Methods that train replicas by SGD derive from SgdMethod
// (core/methods/sgd_method.h), which gives them the SGD toolkit.

#include "core/data/loaded_data.h"

namespace tb {

class RunContext;

class Method {
public:
    virtual ~Method() = default;
    // Works until context.should_stop(); exceptions end the run as failed (RunDiverged: diverged). The data
    // has the shape the method's registry entry reads.
    virtual void run(RunContext& context, const LoadedData& data) = 0;
    // For callers that loaded a tabular split themselves (tests, benchmarks).
    void run(RunContext& context, const DataSplit& split) { run(context, LoadedData::viewing(split)); }
};

}  // namespace tb
