// Reads metric inputs from standard input and prints the engine's metric values, one "name value" per
// line, for bench/metrics/compare_with_scikit_learn.py. Input: a sequence of blocks, each a header line
// and its numbers (whitespace-separated, row-major):
//   classification ROWS CLASSES MULTI_LABEL    then ROWS x CLASSES scores, then ROWS x CLASSES 0/1 truth
//   regression ROWS OUTPUTS                    then ROWS x OUTPUTS predictions, then as many targets
//   episodes COUNT                             then COUNT episode accuracies
// Each block's values are printed with the block's index: "3 roc_auc 0.8125".

#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/metrics/classification_metrics.h"
#include "core/metrics/episode_accuracy.h"
#include "core/metrics/regression_metrics.h"

namespace {

template <typename T>
std::vector<T> read_values(std::istream& in, std::int64_t count, const std::string& what) {
    std::vector<T> values(static_cast<std::size_t>(count));
    for (T& value : values) {
        double read = 0;
        if (!(in >> read)) throw std::runtime_error("input ended inside the " + what);
        value = static_cast<T>(read);
    }
    return values;
}

void print(int block, const char* name, double value) { std::printf("%d %s %.17g\n", block, name, value); }

}  // namespace

int main() {
    try {
        std::string kind;
        for (int block = 0; std::cin >> kind; ++block) {
            if (kind == "classification") {
                std::int64_t rows = 0;
                std::int64_t classes = 0;
                int multi_label = 0;
                std::cin >> rows >> classes >> multi_label;
                const auto scores = read_values<double>(std::cin, rows * classes, "scores");
                const auto truth = read_values<std::uint8_t>(std::cin, rows * classes, "truth");
                const tb::ClassificationOutputs outputs{rows, classes, scores, truth, multi_label != 0, 0.0};
                if (multi_label == 0) print(block, "accuracy", tb::classification_accuracy(outputs));
                print(block, "micro_f1", tb::micro_f1(outputs));
                print(block, "roc_auc", tb::roc_auc(outputs));
            } else if (kind == "regression") {
                std::int64_t rows = 0;
                std::int64_t outputs = 0;
                std::cin >> rows >> outputs;
                const auto predictions = read_values<double>(std::cin, rows * outputs, "predictions");
                const auto targets = read_values<double>(std::cin, rows * outputs, "targets");
                const tb::RegressionOutputs regression{rows, outputs, predictions, targets};
                print(block, "nmse", tb::normalized_mean_squared_error(regression));
                print(block, "explained_variance", tb::explained_variance(regression));
            } else if (kind == "episodes") {
                std::int64_t count = 0;
                std::cin >> count;
                const auto accuracies = read_values<double>(std::cin, count, "episode accuracies");
                print(block, "episode_accuracy", tb::mean_episode_accuracy(accuracies));
                print(block, "episode_accuracy_ci95", tb::episode_accuracy_half_width_95(accuracies));
            } else {
                throw std::runtime_error("unknown block '" + kind + "' (classification, regression, episodes)");
            }
        }
    } catch (const std::exception& error) {
        std::cerr << "metrics_reference: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
