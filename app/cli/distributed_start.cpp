#include "app/cli/distributed_start.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "distributed/mpi_process_group.h"

namespace tb::cli {

namespace {

// FNV-1a: enough to tell two builds or two configs apart, not a defence against tampering.
std::uint64_t fnv1a(const char* data, std::size_t size, std::uint64_t hash = 14695981039346656037ull) {
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= static_cast<unsigned char>(data[i]);
        hash *= 1099511628211ull;
    }
    return hash;
}

std::uint64_t program_file_hash() {
    std::ifstream program("/proc/self/exe", std::ios::binary);
    if (!program) return 0;
    std::uint64_t hash = 14695981039346656037ull;
    std::vector<char> block(1 << 20);
    while (program) {
        program.read(block.data(), static_cast<std::streamsize>(block.size()));
        hash = fnv1a(block.data(), static_cast<std::size_t>(program.gcount()), hash);
    }
    return hash;
}

struct StartFingerprint {
    std::uint64_t program = 0;
    std::uint64_t config = 0;
};

}  // namespace

std::unique_ptr<ProcessGroup> join_distributed_run(const RunConfig& config, double timeout_s, const std::string& host_override,
                                                   const std::atomic<bool>* abandon) {
    auto group = std::make_unique<MpiProcessGroup>(timeout_s, host_override, abandon);
    const std::string config_text = to_json(config).dump();
    const StartFingerprint own{program_file_hash(), fnv1a(config_text.data(), config_text.size())};
    const std::vector<std::vector<std::byte>> all = group->all_gather(std::as_bytes(std::span<const StartFingerprint>(&own, 1)));
    StartFingerprint leader;
    std::memcpy(&leader, all.front().data(), sizeof(leader));
    for (std::size_t r = 1; r < all.size(); ++r) {
        StartFingerprint other;
        std::memcpy(&other, all[r].data(), sizeof(other));
        const std::string where = "rank " + std::to_string(r) + " on " + group->hosts()[r];
        if (other.program != leader.program) {
            throw RankFailure(where + " runs a different build of trainbench-cli than rank 0 on " + group->hosts()[0] +
                              "; install the same build on every host");
        }
        if (other.config != leader.config) {
            throw RankFailure(where + " read a different config than rank 0 on " + group->hosts()[0] +
                              " (another file, other --set overrides, or other files it names); give every rank the same one");
        }
    }
    return group;
}

void end_distributed_job(ProcessGroup& group, int exit_code) { static_cast<MpiProcessGroup&>(group).abort(exit_code); }

}  // namespace tb::cli
