#include "core/metrics/classification_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace tb {

namespace {

void check_shape(const ClassificationOutputs& outputs) {
    const auto cells = static_cast<std::size_t>(outputs.rows * outputs.classes);
    if (outputs.rows < 0 || outputs.classes < 1 || outputs.scores.size() != cells || outputs.truth.size() != cells) {
        throw std::invalid_argument("classification metrics: scores and truth must both hold rows x classes (" +
                                    std::to_string(outputs.rows) + " x " + std::to_string(outputs.classes) + ") values");
    }
}

std::int64_t arg_max(std::span<const double> row) {
    return std::max_element(row.begin(), row.end()) - row.begin();  // the first of equal maxima
}

}  // namespace

double classification_accuracy(const ClassificationOutputs& outputs) {
    check_shape(outputs);
    if (outputs.rows == 0) return 0.0;
    std::int64_t correct = 0;
    for (std::int64_t r = 0; r < outputs.rows; ++r) {
        const std::int64_t best = arg_max(outputs.scores.subspan(static_cast<std::size_t>(r * outputs.classes),
                                                                 static_cast<std::size_t>(outputs.classes)));
        correct += outputs.truth[static_cast<std::size_t>(r * outputs.classes + best)] != 0 ? 1 : 0;
    }
    return static_cast<double>(correct) / static_cast<double>(outputs.rows);
}

double micro_f1(const ClassificationOutputs& outputs) {
    check_shape(outputs);
    std::int64_t true_positives = 0;
    std::int64_t false_positives = 0;
    std::int64_t false_negatives = 0;
    for (std::int64_t r = 0; r < outputs.rows; ++r) {
        const std::span<const double> row = outputs.scores.subspan(static_cast<std::size_t>(r * outputs.classes),
                                                                   static_cast<std::size_t>(outputs.classes));
        const std::int64_t best = outputs.multi_label ? -1 : arg_max(row);
        for (std::int64_t c = 0; c < outputs.classes; ++c) {
            const bool predicted = outputs.multi_label ? row[static_cast<std::size_t>(c)] > outputs.decision_threshold
                                                       : c == best;
            const bool actual = outputs.truth[static_cast<std::size_t>(r * outputs.classes + c)] != 0;
            true_positives += predicted && actual ? 1 : 0;
            false_positives += predicted && !actual ? 1 : 0;
            false_negatives += !predicted && actual ? 1 : 0;
        }
    }
    const std::int64_t denominator = 2 * true_positives + false_positives + false_negatives;
    return denominator == 0 ? 0.0 : static_cast<double>(2 * true_positives) / static_cast<double>(denominator);
}

double binary_log_loss(std::span<const double> probabilities, std::span<const std::uint8_t> truth) {
    if (probabilities.size() != truth.size()) throw std::invalid_argument("log loss: one truth value per probability is needed");
    double total = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const double p = std::clamp(probabilities[i], 1e-7, 1.0 - 1e-7);
        total -= truth[i] != 0 ? std::log(p) : std::log(1.0 - p);
    }
    return truth.empty() ? 0.0 : total / static_cast<double>(truth.size());
}

double binary_roc_auc(std::span<const double> scores, std::span<const std::uint8_t> truth) {
    if (scores.size() != truth.size()) throw std::invalid_argument("ROC-AUC: one truth value per score is needed");
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    // Sum of the positives' ranks (1-based), each group of equal scores sharing its mean rank.
    double positive_rank_sum = 0;
    std::int64_t positives = 0;
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start;
        while (end < order.size() && scores[order[end]] == scores[order[start]]) ++end;
        const double mean_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
        for (std::size_t i = start; i < end; ++i) {
            if (truth[order[i]] != 0) {
                positive_rank_sum += mean_rank;
                ++positives;
            }
        }
        start = end;
    }
    const auto negatives = static_cast<std::int64_t>(scores.size()) - positives;
    if (positives == 0 || negatives == 0) {
        throw std::invalid_argument("ROC-AUC is undefined when every row is " +
                                    std::string(positives == 0 ? "negative" : "positive") +
                                    ": evaluate on a set that holds both");
    }
    const double p = static_cast<double>(positives);
    return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

double roc_auc(const ClassificationOutputs& outputs) {
    check_shape(outputs);
    const auto column = [&](std::int64_t c, std::vector<double>& scores, std::vector<std::uint8_t>& truth) {
        scores.resize(static_cast<std::size_t>(outputs.rows));
        truth.resize(static_cast<std::size_t>(outputs.rows));
        for (std::int64_t r = 0; r < outputs.rows; ++r) {
            const auto cell = static_cast<std::size_t>(r * outputs.classes + c);
            scores[static_cast<std::size_t>(r)] = outputs.scores[cell];
            truth[static_cast<std::size_t>(r)] = outputs.truth[cell];
        }
    };
    std::vector<double> scores;
    std::vector<std::uint8_t> truth;
    if (!outputs.multi_label && outputs.classes <= 2) {
        column(outputs.classes - 1, scores, truth);
        return binary_roc_auc(scores, truth);
    }
    double sum = 0;
    int counted = 0;
    for (std::int64_t c = 0; c < outputs.classes; ++c) {
        column(c, scores, truth);
        const auto positives = std::count_if(truth.begin(), truth.end(), [](std::uint8_t t) { return t != 0; });
        if (positives == 0 || positives == outputs.rows) continue;  // a class without both kinds has no area
        sum += binary_roc_auc(scores, truth);
        ++counted;
    }
    if (counted == 0) {
        throw std::invalid_argument("ROC-AUC: no class has both positive and negative rows in the evaluation set");
    }
    return sum / counted;
}

}  // namespace tb
