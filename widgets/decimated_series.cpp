#include "widgets/decimated_series.h"

#include <algorithm>
#include <cmath>

namespace tb::widgets {

void DecimatedSeries::Bucket::add(double x, double y) {
    ++count;
    if (std::isnan(y)) return;
    if (numbers == 0 || y < min_y) {
        min_y = y;
        x_at_min = x;
    }
    if (numbers == 0 || y > max_y) {
        max_y = y;
        x_at_max = x;
    }
    sum_x += x;
    sum_y += y;
    ++numbers;
}

void DecimatedSeries::Bucket::merge(const Bucket& other) {
    count += other.count;
    if (other.numbers == 0) return;
    if (numbers == 0 || other.min_y < min_y) {
        min_y = other.min_y;
        x_at_min = other.x_at_min;
    }
    if (numbers == 0 || other.max_y > max_y) {
        max_y = other.max_y;
        x_at_max = other.x_at_max;
    }
    sum_x += other.sum_x;
    sum_y += other.sum_y;
    numbers += other.numbers;
}

void DecimatedSeries::append(double x, double y) {
    x_.push_back(x);
    y_.push_back(y);
    if (buckets_.empty() || buckets_.back().count == bucket_size) buckets_.emplace_back();
    buckets_.back().add(x, y);
    if (!std::isnan(y)) {
        value_range_ = value_range_ ? std::pair(std::min(value_range_->first, y), std::max(value_range_->second, y))
                                    : std::pair(y, y);
    }
}

void DecimatedSeries::set_last_value(double y) {
    const double replaced = y_.back();
    y_.back() = y;
    Bucket& last = buckets_.back();
    const bool numbers = !std::isnan(y) && !std::isnan(replaced);
    const bool extreme_gone = replaced == last.min_y || replaced == last.max_y;
    if (numbers && !extreme_gone) {
        // The common case, one group member's new sample: the sums move, the extremes at most widen.
        last.sum_y += y - replaced;
        if (y < last.min_y) {
            last.min_y = y;
            last.x_at_min = x_.back();
        }
        if (y > last.max_y) {
            last.max_y = y;
            last.x_at_max = x_.back();
        }
    } else {
        const std::size_t first = x_.size() - last.count;
        last = Bucket();
        for (std::size_t i = first; i < x_.size(); ++i) last.add(x_[i], y_[i]);
    }
    if (!std::isnan(y)) {
        value_range_ = value_range_ ? std::pair(std::min(value_range_->first, y), std::max(value_range_->second, y))
                                    : std::pair(y, y);
    }
}

void DecimatedSeries::assign(const std::vector<double>& x, const std::vector<double>& y) {
    clear();
    const std::size_t count = std::min(x.size(), y.size());
    x_.reserve(count);
    y_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) append(x[i], y[i]);
}

void DecimatedSeries::clear() {
    x_.clear();
    y_.clear();
    buckets_.clear();
    value_range_.reset();
}

std::optional<std::pair<double, double>> DecimatedSeries::value_range() const { return value_range_; }

void DecimatedSeries::emit_group(const Bucket& group, Reduction reduction, QVector<double>& keys, QVector<double>& values) {
    if (group.numbers == 0) return;
    if (reduction != Reduction::extremes) {
        keys.push_back(group.sum_x / static_cast<double>(group.numbers));
        if (reduction == Reduction::mean) values.push_back(group.sum_y / static_cast<double>(group.numbers));
        if (reduction == Reduction::lowest) values.push_back(group.min_y);
        if (reduction == Reduction::highest) values.push_back(group.max_y);
        return;
    }
    const bool min_first = group.x_at_min <= group.x_at_max;
    keys.push_back(min_first ? group.x_at_min : group.x_at_max);
    values.push_back(min_first ? group.min_y : group.max_y);
    if (group.x_at_min != group.x_at_max || group.min_y != group.max_y) {
        keys.push_back(min_first ? group.x_at_max : group.x_at_min);
        values.push_back(min_first ? group.max_y : group.min_y);
    }
}

void DecimatedSeries::view(double low, double high, int columns, Reduction reduction, QVector<double>& keys,
                           QVector<double>& values) const {
    keys.clear();
    values.clear();
    if (x_.empty()) return;
    const auto begin_it = std::lower_bound(x_.begin(), x_.end(), low);
    const auto end_it = std::upper_bound(x_.begin(), x_.end(), high);
    std::size_t begin = static_cast<std::size_t>(begin_it - x_.begin());
    std::size_t end = static_cast<std::size_t>(end_it - x_.begin());
    if (begin > 0) --begin;
    if (end < x_.size()) ++end;
    const std::size_t count = end - begin;
    const auto column_count = static_cast<std::size_t>(std::max(columns, 16));
    if (count <= 2 * column_count) {
        keys.reserve(static_cast<qsizetype>(count));
        values.reserve(static_cast<qsizetype>(count));
        for (std::size_t i = begin; i < end; ++i) {
            keys.push_back(x_[i]);
            values.push_back(y_[i]);
        }
        return;
    }
    const std::size_t per_group = (count + column_count - 1) / column_count;
    keys.reserve(static_cast<qsizetype>(2 * column_count + 2));
    values.reserve(static_cast<qsizetype>(2 * column_count + 2));
    if (per_group >= bucket_size) {
        // Whole cached buckets per column: the cost is the number of buckets in view, not of points.
        const std::size_t buckets_per_group = (per_group + bucket_size - 1) / bucket_size;
        const std::size_t first_bucket = begin / bucket_size;
        const std::size_t last_bucket = std::min(buckets_.size(), (end + bucket_size - 1) / bucket_size);
        for (std::size_t b = first_bucket; b < last_bucket; b += buckets_per_group) {
            Bucket group;
            for (std::size_t k = b; k < std::min(last_bucket, b + buckets_per_group); ++k) group.merge(buckets_[k]);
            emit_group(group, reduction, keys, values);
        }
        return;
    }
    for (std::size_t i = begin; i < end; i += per_group) {
        Bucket group;
        for (std::size_t k = i; k < std::min(end, i + per_group); ++k) group.add(x_[k], y_[k]);
        emit_group(group, reduction, keys, values);
    }
}

std::optional<std::pair<double, double>> DecimatedSeries::nearest(double x) const {
    if (x_.empty()) return std::nullopt;
    auto it = std::lower_bound(x_.begin(), x_.end(), x);
    if (it == x_.end()) --it;
    if (it != x_.begin() && std::abs(*(it - 1) - x) <= std::abs(*it - x)) --it;
    const auto index = static_cast<std::size_t>(it - x_.begin());
    return std::pair(x_[index], y_[index]);
}

}  // namespace tb::widgets
