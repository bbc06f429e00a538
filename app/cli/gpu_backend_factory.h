#pragma once
// The factory the programs hand to the engine for devices whose backend is "cuda": the CUDA backend
// when this build has one, otherwise none (the engine then explains how to get one).

#include "core/session/training_session.h"

namespace tb::cli {

// Each call makes a fresh factory for one run: devices with an sm_count get disjoint green-context
// partitions of their GPU, carved from one split of that GPU per factory.
BackendFactory gpu_backend_factory();

// Joins the GPUs of a distributed run's ranks with NCCL (its unique id sent through the process group);
// empty in a build without CUDA, where the ranks combine through host memory.
RankCollectiveFactory gpu_rank_collective_factory();

}  // namespace tb::cli
