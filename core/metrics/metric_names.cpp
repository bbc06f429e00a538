#include "core/metrics/metric_names.h"

#include <cctype>
#include <charconv>

namespace tb {

std::optional<MetricName> parse_metric_name(const std::string& name) {
    if (name == "accuracy") return MetricName{MetricName::Kind::accuracy, 1};
    if (name == "loss") return MetricName{MetricName::Kind::loss, 1};
    const auto with_k = [&](const std::string& prefix, MetricName::Kind kind) -> std::optional<MetricName> {
        if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return std::nullopt;
        int k = 0;
        const char* begin = name.data() + prefix.size();
        const char* end = name.data() + name.size();
        const auto [rest, error] = std::from_chars(begin, end, k);
        if (error != std::errc() || rest != end || k < 1 || k > 1000) return std::nullopt;
        return MetricName{kind, k};
    };
    if (auto p = with_k("p@", MetricName::Kind::precision_at_k)) return p;
    return with_k("ndcg@", MetricName::Kind::ndcg_at_k);
}

bool metric_higher_is_better(std::string_view name) {
    // Losses ("loss", "train_loss", "Test Loss", "worker3.loss") and distances ("consensus_distance")
    // improve downwards; every other metric, a precision or an accuracy, upwards.
    const auto ends_with = [name](std::string_view suffix) {
        if (name.size() < suffix.size()) return false;
        const std::string_view ending = name.substr(name.size() - suffix.size());
        for (std::size_t i = 0; i < suffix.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(ending[i])) != suffix[i]) return false;
        }
        return true;
    };
    return !(ends_with("loss") || ends_with("distance"));
}

}  // namespace tb
