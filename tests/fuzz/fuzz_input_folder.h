#pragma once
// For readers of a folder of files: a FuzzInputFolder cuts each input at lines "#--" into parts and
// writes part i to the i-th of the given relative file names (a name without its part is not written, so
// missing files are fuzzed too), in a folder of this process's own under /dev/shm where it exists.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace tb::fuzz {

class FuzzInputFolder {
public:
    explicit FuzzInputFolder(std::vector<std::string> file_names) : names_(std::move(file_names)) {
        const std::filesystem::path shared_memory = "/dev/shm";
        std::error_code error;
        const std::filesystem::path base =
            std::filesystem::is_directory(shared_memory, error) ? shared_memory : std::filesystem::temp_directory_path();
        folder_ = base / ("trainbench-fuzz-folder-" + std::to_string(::getpid()));
    }
    ~FuzzInputFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
    }
    FuzzInputFolder(const FuzzInputFolder&) = delete;
    FuzzInputFolder& operator=(const FuzzInputFolder&) = delete;

    const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) const {
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
        const std::string_view input(reinterpret_cast<const char*>(data), size);
        constexpr std::string_view separator = "\n#--\n";
        std::size_t start = 0;
        for (const std::string& name : names_) {
            if (start > input.size()) break;
            const std::size_t cut = input.find(separator, start);
            const std::string_view part = input.substr(start, cut == std::string_view::npos ? std::string_view::npos : cut - start);
            const std::filesystem::path file = folder_ / name;
            std::filesystem::create_directories(file.parent_path());
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            out.write(part.data(), static_cast<std::streamsize>(part.size()));
            out.close();
            if (!out) std::abort();  // a harness that cannot write its input would fuzz nothing
            if (cut == std::string_view::npos) break;
            start = cut + separator.size();
        }
        return folder_;
    }

private:
    std::vector<std::string> names_;
    std::filesystem::path folder_;
};

}  // namespace tb::fuzz
