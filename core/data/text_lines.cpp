#include "core/data/text_lines.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/data/regular_file_check.h"
#include "core/errors.h"

namespace tb {

namespace fs = std::filesystem;

namespace {

std::string_view without_carriage_return(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

gzFile open_regular_file(const fs::path& file) {
    require_regular_file(file);
    return gzopen(file.c_str(), "rb");
}

}  // namespace

TextLines::TextLines(const fs::path& file) : path_(file), file_(open_regular_file(file)) {
    if (file_ == nullptr) {
        throw DataError(path_.string() + ": cannot open for reading: " + std::strerror(errno));
    }
    // Large blocks pay off on large files; a small file (a test's, a fuzzer's input) gets blocks of its
    // own size, since zeroing 16 MiB and mapping zlib's 3 MiB would cost more than reading it. A
    // compressed file whose content outgrows the block is read in more blocks, as any large file is.
    constexpr std::uintmax_t smallest_block = 4096;
    constexpr std::uintmax_t largest_block = std::uintmax_t{16} << 20;
    constexpr std::uintmax_t largest_zlib_buffer = std::uintmax_t{1} << 20;
    std::error_code size_unknown;
    const std::uintmax_t file_bytes = fs::file_size(file, size_unknown);
    const std::uintmax_t block = size_unknown ? largest_block : std::clamp(file_bytes + 1, smallest_block, largest_block);
    gzbuffer(file_, static_cast<unsigned>(std::min(block, largest_zlib_buffer)));
    buffer_.resize(static_cast<std::size_t>(block));
}

TextLines::~TextLines() { gzclose(file_); }

bool TextLines::next(std::string_view& line) {
    for (;;) {
        const char* begin = buffer_.data() + begin_;
        const std::size_t available = end_ - begin_;
        if (const void* newline = std::memchr(begin + scanned_, '\n', available - scanned_)) {
            const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - begin);
            line = without_carriage_return({begin, length});
            begin_ += length + 1;
            scanned_ = 0;
            ++line_number_;
            return true;
        }
        // Remember how far this line was searched, so a line longer than one block is not searched again.
        scanned_ = available;
        if (at_end_) {
            if (available == 0) return false;
            line = without_carriage_return({begin, available});
            begin_ = end_;
            scanned_ = 0;
            ++line_number_;
            return true;
        }
        refill();
    }
}

void TextLines::refill() {
    const std::size_t kept = end_ - begin_;
    std::memmove(buffer_.data(), buffer_.data() + begin_, kept);
    begin_ = 0;
    end_ = kept;
    if (kept == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    constexpr std::size_t largest_read = std::size_t{1} << 30;  // gzread counts in unsigned int
    const std::size_t wanted = std::min(buffer_.size() - kept, largest_read);
    const int got = gzread(file_, buffer_.data() + kept, static_cast<unsigned>(wanted));
    int status = Z_OK;
    const char* message = gzerror(file_, &status);
    if (got < 0 || (status != Z_OK && status != Z_BUF_ERROR)) {
        throw DataError(path_.string() + ":" + std::to_string(line_number_ + 1) + ": cannot read: " + message);
    }
    if (status == Z_BUF_ERROR) {
        // zlib's way of saying the compressed stream stopped in the middle.
        throw DataError(path_.string() + ":" + std::to_string(line_number_ + 1) +
                        ": the compressed data ends early (the file is truncated)");
    }
    end_ += static_cast<std::size_t>(got);
    if (got == 0) at_end_ = true;
}

}  // namespace tb
