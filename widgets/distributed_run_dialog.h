#pragma once
// Asks how to spread the experiment over processes and hosts before a distributed run: mpirun's host
// list, the number of processes (one per device by default) and the rank timeout.

#include <optional>

#include "widgets/distributed_run_launcher.h"

class QWidget;

namespace tb::widgets {

// `devices`: the fleet's size, the default number of processes. Nothing when the person cancels.
std::optional<DistributedRunPlan> ask_distributed_run_plan(QWidget* parent, int devices, const DistributedRunPlan& last);

}  // namespace tb::widgets
