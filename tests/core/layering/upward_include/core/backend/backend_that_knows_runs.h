#pragma once
// A backend header that includes the run layer: the layering check must reject it.
#include "core/run/run_experiment.h"
