#include "core/data/dirichlet_partition.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/errors.h"
#include "core/random/random_stream.h"

namespace tb {

namespace {

// The authors' code deals the data out to groups of this many workers, each drawn on its own, which
// keeps the minimum-size condition satisfiable for large fleets.
constexpr int workers_per_group = 10;
constexpr int max_draws_per_group = 10000;

struct LabelledRow {
    std::int64_t row = 0;
    std::int64_t label = 0;
};

// One group: deals `rows` out to `workers` workers by per-class Dirichlet shares until the smallest holds
// at least half the average.
std::vector<std::vector<std::int64_t>> deal_group(const std::vector<LabelledRow>& rows, int workers,
                                                  std::int64_t classes, double alpha, RandomStream& random) {
    const auto group_size = static_cast<double>(rows.size());
    const double average = group_size / workers;
    const auto minimum = static_cast<std::size_t>(0.5 * average);
    std::vector<std::vector<std::int64_t>> rows_of_class(static_cast<std::size_t>(classes));
    for (const LabelledRow& row : rows) rows_of_class[static_cast<std::size_t>(row.label)].push_back(row.row);

    for (int draw = 0; draw < max_draws_per_group; ++draw) {
        std::vector<std::vector<std::int64_t>> dealt(static_cast<std::size_t>(workers));
        for (const std::vector<std::int64_t>& members : rows_of_class) {
            std::vector<double> shares = random.symmetric_dirichlet(alpha, workers);
            // Workers at or above the average take no more of this class.
            double total = 0;
            for (int w = 0; w < workers; ++w) {
                if (static_cast<double>(dealt[static_cast<std::size_t>(w)].size()) >= average) shares[static_cast<std::size_t>(w)] = 0;
                total += shares[static_cast<std::size_t>(w)];
            }
            if (total <= 0) continue;  // the draw put all its mass on full workers; the check below fails it
            // Cut points floor(cumulative share * class size), the last worker taking the rest.
            double cumulative = 0;
            std::size_t from = 0;
            for (int w = 0; w < workers; ++w) {
                cumulative += shares[static_cast<std::size_t>(w)] / total;
                const std::size_t to = w == workers - 1
                                           ? members.size()
                                           : std::min(members.size(), static_cast<std::size_t>(cumulative * static_cast<double>(members.size())));
                std::vector<std::int64_t>& mine = dealt[static_cast<std::size_t>(w)];
                mine.insert(mine.end(), members.begin() + static_cast<std::ptrdiff_t>(from), members.begin() + static_cast<std::ptrdiff_t>(std::max(from, to)));
                from = std::max(from, to);
            }
        }
        const std::size_t dealt_total = std::accumulate(dealt.begin(), dealt.end(), std::size_t{0},
                                                        [](std::size_t sum, const auto& part) { return sum + part.size(); });
        const auto smallest = std::min_element(dealt.begin(), dealt.end(),
                                               [](const auto& a, const auto& b) { return a.size() < b.size(); });
        if (dealt_total == rows.size() && smallest->size() >= minimum) return dealt;
    }
    throw DataError("the Dirichlet partition with alpha " + std::to_string(alpha) + " found no split of " +
                    std::to_string(rows.size()) + " rows over " + std::to_string(workers) +
                    " workers in which every worker holds at least half the average (" + std::to_string(minimum) +
                    " rows) in " + std::to_string(max_draws_per_group) +
                    " draws; raise dataset.partition.alpha or use fewer workers");
}

}  // namespace

std::int64_t class_count(const Dataset& data) {
    const std::vector<std::int64_t> classes = row_classes(data);
    return classes.empty() ? 0 : *std::max_element(classes.begin(), classes.end()) + 1;
}

std::vector<std::int64_t> row_classes(const Dataset& data) {
    const HostCsr& labels = data.labels;
    std::vector<std::int64_t> classes(static_cast<std::size_t>(labels.rows));
    for (std::int64_t row = 0; row < labels.rows; ++row) {
        const auto begin = labels.row_offsets[static_cast<std::size_t>(row)];
        const auto end = labels.row_offsets[static_cast<std::size_t>(row) + 1];
        classes[static_cast<std::size_t>(row)] = begin < end ? labels.column_indices[static_cast<std::size_t>(begin)] : labels.cols;
    }
    return classes;
}

std::vector<std::vector<std::int64_t>> partition_rows(const Dataset& data, int workers, const PartitionConfig& config) {
    const std::int64_t row_count = data.num_samples();
    if (workers < 1 || row_count < workers) {
        throw DataError("cannot split the " + std::to_string(row_count) + " training rows of " + data.source +
                        " across " + std::to_string(workers) + " workers");
    }
    RandomStream random(config.seed);
    const std::vector<std::int64_t> classes = row_classes(data);
    std::vector<LabelledRow> shuffled(static_cast<std::size_t>(row_count));
    for (std::int64_t row = 0; row < row_count; ++row) shuffled[static_cast<std::size_t>(row)] = {row, classes[static_cast<std::size_t>(row)]};
    random.shuffle(shuffled);

    std::vector<std::vector<std::int64_t>> partition;
    if (config.kind == "iid") {
        std::int64_t from = 0;
        for (int w = 0; w < workers; ++w) {
            const std::int64_t size = row_count / workers + (w < row_count % workers ? 1 : 0);
            std::vector<std::int64_t>& mine = partition.emplace_back();
            for (std::int64_t k = from; k < from + size; ++k) mine.push_back(shuffled[static_cast<std::size_t>(k)].row);
            from += size;
        }
        return partition;
    }
    if (config.kind != "dirichlet") throw DataError("dataset.partition.kind '" + config.kind + "' is not a partition");

    const std::int64_t class_total = *std::max_element(classes.begin(), classes.end()) + 1;
    const int groups = (workers + workers_per_group - 1) / workers_per_group;
    std::size_t from = 0;
    for (int g = 0; g < groups; ++g) {
        const int group_workers = g < groups - 1 ? workers_per_group : workers - workers_per_group * (groups - 1);
        // Each full group takes 10/n of the rows; the last group takes the rest.
        const std::size_t to = g < groups - 1 ? from + static_cast<std::size_t>(static_cast<double>(workers_per_group) / workers * static_cast<double>(row_count))
                                              : shuffled.size();
        const std::vector<LabelledRow> group(shuffled.begin() + static_cast<std::ptrdiff_t>(from), shuffled.begin() + static_cast<std::ptrdiff_t>(to));
        for (std::vector<std::int64_t>& part : deal_group(group, group_workers, class_total, config.alpha, random)) {
            partition.push_back(std::move(part));
        }
        from = to;
    }
    if (!config.equal_sizes) return partition;
    std::vector<std::int64_t> dealt;
    dealt.reserve(static_cast<std::size_t>(row_count));
    for (const std::vector<std::int64_t>& part : partition) dealt.insert(dealt.end(), part.begin(), part.end());
    std::vector<std::vector<std::int64_t>> slices;
    std::size_t slice_from = 0;
    for (int w = 0; w < workers; ++w) {
        const auto size = static_cast<std::size_t>(row_count / workers + (w < row_count % workers ? 1 : 0));
        slices.emplace_back(dealt.begin() + static_cast<std::ptrdiff_t>(slice_from),
                            dealt.begin() + static_cast<std::ptrdiff_t>(slice_from + size));
        slice_from += size;
    }
    return slices;
}

std::vector<std::vector<std::int64_t>> class_histograms(const Dataset& data,
                                                        const std::vector<std::vector<std::int64_t>>& partition) {
    const std::vector<std::int64_t> classes = row_classes(data);
    const std::int64_t class_total = classes.empty() ? 0 : *std::max_element(classes.begin(), classes.end()) + 1;
    std::vector<std::vector<std::int64_t>> histograms;
    for (const std::vector<std::int64_t>& rows : partition) {
        std::vector<std::int64_t>& histogram = histograms.emplace_back(static_cast<std::size_t>(class_total), 0);
        for (const std::int64_t row : rows) ++histogram[static_cast<std::size_t>(classes[static_cast<std::size_t>(row)])];
    }
    return histograms;
}

}  // namespace tb
