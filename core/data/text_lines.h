#pragma once
// The lines of a text file, plain or gzip-compressed (zlib passes plain files through unchanged), read
// in large blocks so that parsing runs over memory instead of a stream read per token. Every reader of
// a text format reads through it, so each gets the same errors: a path that is not a regular file, a
// file that cannot be read, and a gzip stream that stops early, each naming the file and the line.

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace tb {

class TextLines {
public:
    // Throws DataError naming the file when it is not a regular file or cannot be opened.
    explicit TextLines(const std::filesystem::path& file);
    ~TextLines();
    TextLines(const TextLines&) = delete;
    TextLines& operator=(const TextLines&) = delete;

    // The next line without its line break ("\n" or "\r\n"); false after the last line. The view lives
    // until the next call. Throws DataError (file:line) when the file cannot be read on.
    bool next(std::string_view& line);

    // The 1-based number of the line last returned.
    std::int64_t line_number() const { return line_number_; }
    const std::filesystem::path& path() const { return path_; }

private:
    void refill();

    std::filesystem::path path_;
    gzFile file_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;    // first byte of the next line
    std::size_t end_ = 0;      // end of the bytes read so far
    std::size_t scanned_ = 0;  // bytes after begin_ known to hold no line break
    bool at_end_ = false;
    std::int64_t line_number_ = 0;
};

}  // namespace tb
