#pragma once
// A training method: a readable loop over the session's building blocks (backends, replicas, the clock,
// evaluation and stop criteria), parameterised from its part of the config and emitting events through
// the session. Adding a method never touches the GUI or storage: write the file and add it to
// core/run/method_registry.cpp.

namespace tb {

class TrainingSession;

class Method {
public:
    virtual ~Method() = default;
    // Trains until session.should_stop(); exceptions end the run as failed (RunDiverged: diverged).
    virtual void run(TrainingSession& session) = 0;
};

}  // namespace tb
