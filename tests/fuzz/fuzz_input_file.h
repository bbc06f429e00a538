#pragma once
// The readers take paths, libFuzzer hands over bytes: a FuzzInputFile writes each input to a file in a
// folder of this process's own (in memory under /dev/shm where it exists, so that millions of writes
// stay off the disk) and removes the folder when the harness ends.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace tb::fuzz {

class FuzzInputFile {
public:
    explicit FuzzInputFile(const std::string& file_name) {
        const std::filesystem::path shared_memory = "/dev/shm";
        std::error_code error;
        const std::filesystem::path base =
            std::filesystem::is_directory(shared_memory, error) ? shared_memory : std::filesystem::temp_directory_path();
        folder_ = base / ("trainbench-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(folder_);
        path_ = folder_ / file_name;
    }
    ~FuzzInputFile() {
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
    }
    FuzzInputFile(const FuzzInputFile&) = delete;
    FuzzInputFile& operator=(const FuzzInputFile&) = delete;

    // Replaces the file's content with `size` bytes from `data` and returns its path.
    const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) const {
        std::ofstream file(path_, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        file.close();
        // A harness that cannot write its input would go on fuzzing nothing.
        if (!file) std::abort();
        return path_;
    }

private:
    std::filesystem::path folder_;
    std::filesystem::path path_;
};

}  // namespace tb::fuzz
