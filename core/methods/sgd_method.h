#pragma once
// A method that trains model replicas by SGD: the run context and data become a TrainingSession (the
// SGD toolkit: models, optimizers, learning-rate schedule, epochs, replica evaluation) for its loop.

#include "core/methods/method.h"
#include "core/session/training_session.h"

namespace tb {

class SgdMethod : public Method {
public:
    using Method::run;
    void run(RunContext& context, const LoadedData& data) final {
        TrainingSession session(context, data.split());
        train(session);
    }

protected:
    // Trains until session.should_stop().
    virtual void train(TrainingSession& session) = 0;
};

}  // namespace tb
