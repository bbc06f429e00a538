#pragma once
// Classification metrics over a whole evaluation set: scores are rows x classes (any monotone scale:
// logits or probabilities), truth is the rows x classes 0/1 indicator. Single-label sets predict the
// arg-max class (the first on ties); multi-label sets predict every class whose score exceeds the
// decision threshold (0 for logits, 0.5 for probabilities).

#include <cstdint>
#include <span>

namespace tb {

struct ClassificationOutputs {
    std::int64_t rows = 0;
    std::int64_t classes = 0;
    std::span<const double> scores;       // rows x classes
    std::span<const std::uint8_t> truth;  // rows x classes, 1 where the class is true
    bool multi_label = false;
    double decision_threshold = 0.0;      // multi-label only
};

// Fraction of rows whose arg-max class is a true class (with one label per row: plain accuracy).
double classification_accuracy(const ClassificationOutputs& outputs);
// 2 TP / (2 TP + FP + FN) summed over all classes, so a class absent from the set adds only its false
// positives; 0 when nothing is true and nothing predicted. With one label per row it equals accuracy.
double micro_f1(const ClassificationOutputs& outputs);
// Area under the ROC curve, tied scores counting one half (the Mann-Whitney statistic with mid-ranks).
// Single-label with one or two classes: binary, the last column scoring the positive class. Otherwise
// (more classes, or multi-label) the unweighted mean of one-vs-rest areas over the classes that have both
// positive and negative rows. Throws
// std::invalid_argument when no class has both.
double roc_auc(const ClassificationOutputs& outputs);
// The binary area of one score per row against its 0/1 truth; throws std::invalid_argument when the
// truth holds only positives or only negatives.
double binary_roc_auc(std::span<const double> scores, std::span<const std::uint8_t> truth);
// The mean log loss of click probabilities against their 0/1 truth, each probability kept 1e-7 away from
// 0 and 1 so that one confident mistake costs about 16, not infinity; 0 for no rows.
double binary_log_loss(std::span<const double> probabilities, std::span<const std::uint8_t> truth);

}  // namespace tb
