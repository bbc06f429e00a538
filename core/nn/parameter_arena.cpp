#include "core/nn/parameter_arena.h"

#include <stdexcept>

namespace tb {

namespace {
constexpr std::int64_t segment_alignment_floats = 16;
}

std::size_t ArenaLayout::add(std::string name, std::int64_t rows, std::int64_t cols, bool row_sparse_gradient) {
    if (rows <= 0 || cols <= 0) {
        throw std::invalid_argument("parameter segment '" + name + "' has an empty shape " + std::to_string(rows) +
                                    " x " + std::to_string(cols));
    }
    if (find(name)) throw std::invalid_argument("parameter segment '" + name + "' declared twice");
    const std::int64_t offset =
        (total_size_ + segment_alignment_floats - 1) / segment_alignment_floats * segment_alignment_floats;
    segments_.push_back({std::move(name), offset, rows, cols, row_sparse_gradient});
    total_size_ = offset + rows * cols;
    return segments_.size() - 1;
}

std::optional<std::size_t> ArenaLayout::find(const std::string& name) const {
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        if (segments_[i].name == name) return i;
    }
    return std::nullopt;
}

std::int64_t ArenaLayout::parameter_count() const {
    std::int64_t count = 0;
    for (const ParameterSegment& segment : segments_) count += segment.size();
    return count;
}

ParameterArena::ParameterArena(Backend& backend, const ArenaLayout& layout, const char* what)
    : layout_(&layout), buffer_(backend, layout.total_size(), what) {}

MatrixView ParameterArena::segment(std::size_t index) {
    const ParameterSegment& s = layout_->segment(index);
    return {buffer_.data() + s.offset, s.rows, s.cols};
}

ConstMatrixView ParameterArena::segment(std::size_t index) const {
    const ParameterSegment& s = layout_->segment(index);
    return {buffer_.data() + s.offset, s.rows, s.cols};
}

Gradients::Gradients(Backend& backend, const ArenaLayout& layout)
    : dense_(backend, layout, "gradients"), row_sparse_(layout.segments().size()) {}

}  // namespace tb
