#include "core/run/method_registry.h"

#include <stdexcept>

#include "core/errors.h"
#include "core/methods/data_parallel/adaptive_sgd.h"
#include "core/methods/data_parallel/crossbow_sma.h"
#include "core/methods/decentralized/dsgd.h"
#include "core/methods/data_parallel/easgd.h"
#include "core/methods/decentralized/gradient_tracking.h"
#include "core/methods/data_parallel/model_averaging.h"
#include "core/methods/decentralized/qg_dsgdm.h"
#include "core/methods/ctr/scale_free_ctr.h"
#include "core/methods/graph/cluster_gcn.h"
#include "core/methods/graph/full_batch_gcn.h"
#include "core/methods/kernel/gntk_svm.h"
#include "core/methods/multitask/clustered_multi_task_estimator.h"
#include "core/methods/multitask/dirty_model_estimator.h"
#include "core/methods/multitask/feature_learning_estimator.h"
#include "core/methods/multitask/hard_parameter_sharing.h"
#include "core/methods/multitask/multi_task_regression.h"
#include "core/methods/multitask/ridge_baseline_estimators.h"
#include "core/methods/multitask/task_relation_estimator.h"
#include "core/methods/multitask/trace_norm_estimator.h"
#include "core/methods/data_parallel/single_device.h"
#include "core/methods/data_parallel/sync_sgd.h"

namespace tb {

namespace {

// A multi-task method: its estimator inside the shared multi-task run (inner cross-validation, final fit,
// evaluation), on multi-task data, with no model or optimizer section.
template <typename Estimator>
MethodEntry multi_task_method(std::string kind, std::string description) {
    return {std::move(kind),
            std::move(description),
            WorkerData::shared_training_set,
            &Estimator::normalize,
            &Estimator::settings_form,
            [](const nlohmann::json& parameters) {
                return std::make_unique<MultiTaskRegression>(std::make_unique<Estimator>(parameters), parameters);
            },
            &require_multi_task_metrics,
            DataShape::multi_task,
            /*trains_a_model=*/false,
            ProgressUnit::fraction_done};
}

std::vector<MethodEntry>& registered_methods() {
    static std::vector<MethodEntry> entries = {
        {"single_device", "plain mini-batch SGD on the fleet's first device", WorkerData::shared_training_set,
         &SingleDevice::normalize, &SingleDevice::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<SingleDevice>(parameters); }, {}},
        {"adaptive_sgd",
         "Adaptive SGD: dynamic scheduling, batch size scaling and normalized model merging for heterogeneous fleets",
         WorkerData::shared_training_set, &AdaptiveSgd::normalize, &AdaptiveSgd::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<AdaptiveSgd>(parameters); }, {}},
        {"sync_sgd", "synchronous data parallelism: equal shards of each global batch, gradients all-reduced every step",
         WorkerData::shared_training_set, &SyncSgd::normalize, &SyncSgd::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<SyncSgd>(parameters); },
         &SyncSgd::check_with_other_sections},
        {"model_averaging", "local SGD with equal static batches, replicas averaged every mega-batch",
         WorkerData::shared_training_set, &ModelAveraging::normalize, &ModelAveraging::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<ModelAveraging>(parameters); }, {}},
        {"crossbow_sma", "CROSSBOW synchronous model averaging: learners corrected towards a central average model",
         WorkerData::shared_training_set, &CrossbowSma::normalize, &CrossbowSma::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<CrossbowSma>(parameters); }, {}},
        {"easgd", "elastic averaging SGD: workers and a center variable pull towards each other every tau steps",
         WorkerData::shared_training_set, &Easgd::normalize, &Easgd::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<Easgd>(parameters); }, {}},
        {"dsgd", "decentralized SGD: a local SGD step on each worker's own data, then gossip with its neighbours",
         WorkerData::own_partition, &Dsgd::normalize, &Dsgd::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<Dsgd>(parameters, false); },
         [](const RunConfig& config) { Dsgd::check_with_other_sections(config, false); }},
        {"dsgdm", "decentralized SGD with local heavy-ball or Nesterov momentum (DSGDm-N), then gossip",
         WorkerData::own_partition, &Dsgd::normalize, &Dsgd::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<Dsgd>(parameters, true); },
         [](const RunConfig& config) { Dsgd::check_with_other_sections(config, true); }},
        {"qg_dsgdm", "decentralized SGD with quasi-global momentum (QG-DSGDm-N): the momentum tracks the model's "
                     "displacement over whole gossip rounds",
         WorkerData::own_partition, &QgDsgdm::normalize, &QgDsgdm::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<QgDsgdm>(parameters); },
         &QgDsgdm::check_with_other_sections},
        {"gradient_tracking", "decentralized SGD with gradient tracking: each worker gossips a tracker of the average "
                              "gradient alongside its model",
         WorkerData::own_partition, &GradientTracking::normalize, &GradientTracking::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<GradientTracking>(parameters); },
         &GradientTracking::check_with_other_sections},
        {"full_batch_gcn", "GCN on the whole graph at once (Kipf and Welling): one step per epoch, loss on the training nodes",
         WorkerData::shared_training_set, &FullBatchGcn::normalize, &FullBatchGcn::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<FullBatchGcn>(parameters); }, {},
         DataShape::graph},
        {"cluster_gcn",
         "Cluster-GCN: METIS clusters, q random clusters per batch with their links restored, data-parallel over the fleet",
         WorkerData::shared_training_set, &ClusterGcn::normalize, &ClusterGcn::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<ClusterGcn>(parameters); }, {},
         DataShape::graph},
        {"scale_free_ctr",
         "ScaleFreeCTR (Guo et al., SIGIR 2021): Wide & Deep, DeepFM or DCN with the embedding table in host memory, "
         "a device cache of hot rows, virtual sparse ids and a pipelined trainer; parameter-server and all-on-device "
         "baselines",
         WorkerData::shared_training_set, &ScaleFreeCtr::normalize, &ScaleFreeCtr::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<ScaleFreeCtr>(parameters); },
         &ScaleFreeCtr::check_with_other_sections, DataShape::ctr, /*trains_a_model=*/false},
        {"gntk_svm",
         "graph neural tangent kernel (Du et al.) with a C-SVM: the Gram matrix in blocks over the fleet, "
         "k-fold cross-validation over a C grid",
         WorkerData::shared_training_set, &GntkSvm::normalize, &GntkSvm::settings_form,
         [](const nlohmann::json& parameters) { return std::make_unique<GntkSvm>(parameters); }, {},
         DataShape::graph_collection, /*trains_a_model=*/false, ProgressUnit::fraction_done},
        multi_task_method<SingleTaskRidgeEstimator>(
            "single_task_ridge", "multi-task baseline: an independent ridge regression per task, sharing nothing"),
        multi_task_method<PooledRidgeEstimator>(
            "pooled_ridge", "multi-task baseline: one ridge regression for all tasks pooled (each task keeps its intercept)"),
        multi_task_method<FeatureLearningEstimator>(
            "mtfl", "feature learning: convex multi-task feature learning (Argyriou, Evgeniou and Pontil 2008), "
                    "alternating W and the feature covariance D"),
        multi_task_method<HardParameterSharing>(
            "hard_parameter_sharing",
            "multi-task feature learning by hard parameter sharing: one MLP trunk for all tasks, a linear head per task, Adam"),
        multi_task_method<TraceNormEstimator>(
            "trace_norm", "low rank: trace-norm regularized least squares by accelerated proximal gradient with singular "
                          "value thresholding"),
        multi_task_method<ClusteredMultiTaskEstimator>(
            "clustered_mtl",
            "task clustering: convex clustered multi-task learning (Zhou, Chen and Ye 2011), alternating exact W and M steps"),
        multi_task_method<TaskRelationEstimator>(
            "mtrl", "task relation learning: MTRL (Zhang and Yeung 2010), alternating W and the task covariance"),
        multi_task_method<DirtyModelEstimator>(
            "dirty_model", "decomposition: the dirty model W = P + Q (Jalali et al. 2010), l1/linf shared rows plus l1 "
                           "task-specific entries"),
    };
    // The methods whose every fleet operation meets the other ranks of a distributed run: they address
    // workers only through the executor, its combine plan, the replica merge and the decentralized fleet.
    static const bool marked = [] {
        for (MethodEntry& entry : entries) {
            entry.runs_distributed = entry.kind == "sync_sgd" || entry.kind == "adaptive_sgd" || entry.kind == "model_averaging" ||
                                    entry.kind == "crossbow_sma" || entry.kind == "easgd" || entry.kind == "dsgd" ||
                                    entry.kind == "dsgdm" || entry.kind == "qg_dsgdm" || entry.kind == "gradient_tracking";
        }
        return true;
    }();
    (void)marked;
    return entries;
}

}  // namespace

const std::vector<MethodEntry>& method_registry() { return registered_methods(); }

void register_method(MethodEntry entry) {
    for (const MethodEntry& known : registered_methods()) {
        if (known.kind == entry.kind) throw std::invalid_argument("method kind '" + entry.kind + "' is already registered");
    }
    registered_methods().push_back(std::move(entry));
}

std::vector<KindDescription> method_kind_descriptions() {
    std::vector<KindDescription> kinds;
    for (const MethodEntry& entry : registered_methods()) kinds.push_back({entry.kind, entry.description});
    return kinds;
}

const MethodEntry& find_method(const std::string& kind) {
    std::string known;
    for (const MethodEntry& entry : method_registry()) {
        if (entry.kind == kind) return entry;
        known += (known.empty() ? "" : ", ") + entry.kind;
    }
    throw ConfigError("method.kind '" + kind + "' is not a method; choose one of: " + known);
}

nlohmann::json normalize_method_parameters(const std::string& kind, ConfigReader& reader) {
    return find_method(kind).normalize(reader);
}

}  // namespace tb
