#pragma once
// A file's bytes and modification time, to show that the store left a file it refused exactly as it was.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace tb::storage::testing {

struct FileSnapshot {
    std::string bytes;
    std::filesystem::file_time_type modified;

    static FileSnapshot of(const std::filesystem::path& path) {
        std::ifstream file(path, std::ios::binary);
        return {std::string(std::istreambuf_iterator<char>(file), {}), std::filesystem::last_write_time(path)};
    }

    bool operator==(const FileSnapshot&) const = default;
};

}  // namespace tb::storage::testing
