#include "distributed/mpi_process_group.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <thread>

#include <mpi.h>

namespace tb {

struct MpiProcessGroup::Communicators {
    MPI_Comm collectives = MPI_COMM_NULL;
    MPI_Comm reports = MPI_COMM_NULL;
};

namespace {

constexpr int report_tag = 17;
constexpr int failure_tag = 18;
constexpr int exchange_tag = 19;

void check(int status, const char* call) {
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw RankFailure(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

std::string format_seconds(double seconds) {
    std::string text = std::to_string(seconds);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
}

}  // namespace

MpiProcessGroup::MpiProcessGroup(double timeout_s, std::string host_override, const std::atomic<bool>* abandon)
    : timeout_s_(timeout_s), abandon_(abandon), communicators_(new Communicators) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
        int provided = 0;
        check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        if (provided < MPI_THREAD_FUNNELED) {
            throw RankFailure("the MPI library does not allow a multi-threaded process (MPI_THREAD_FUNNELED)");
        }
    }
    // Errors come back as codes, which become exceptions here, instead of ending the job silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check(MPI_Comm_dup(MPI_COMM_WORLD, &communicators_->collectives), "MPI_Comm_dup");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &communicators_->reports), "MPI_Comm_dup");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);

    std::string host = std::move(host_override);
    if (host.empty()) {
        char name[MPI_MAX_PROCESSOR_NAME];
        int length = 0;
        check(MPI_Get_processor_name(name, &length), "MPI_Get_processor_name");
        host.assign(name, static_cast<std::size_t>(length));
    }
    for (const std::vector<std::byte>& each : all_gather(std::as_bytes(std::span<const char>(host.data(), host.size())))) {
        hosts_.emplace_back(reinterpret_cast<const char*>(each.data()), each.size());
    }
    ranks_on_this_host_ = static_cast<int>(std::count(hosts_.begin(), hosts_.end(), host));
}

MpiProcessGroup::~MpiProcessGroup() {
    MPI_Comm_free(&communicators_->collectives);
    MPI_Comm_free(&communicators_->reports);
    delete communicators_;
    MPI_Finalize();
}

void MpiProcessGroup::abort(int exit_code) { MPI_Abort(MPI_COMM_WORLD, exit_code); std::_Exit(exit_code); }

void MpiProcessGroup::throw_if_abandoned(const std::string& what) {
    int arrived = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, failure_tag, communicators_->reports, &arrived, &status), "MPI_Iprobe");
    if (arrived) {
        int count = 0;
        MPI_Get_count(&status, MPI_BYTE, &count);
        std::string error(static_cast<std::size_t>(count), '\0');
        check(MPI_Recv(error.data(), count, MPI_BYTE, status.MPI_SOURCE, failure_tag, communicators_->reports, MPI_STATUS_IGNORE),
              "MPI_Recv");
        throw RankFailure(describe_rank(status.MPI_SOURCE) + " failed: " + error);
    }
    if (abandon_ != nullptr && abandon_->load(std::memory_order_relaxed)) {
        throw RankFailure("rank " + std::to_string(rank_) + " was stopped (by a signal: Ctrl-C, or mpirun ending the job after "
                          "one of its processes died) while waiting for " + what);
    }
}

void MpiProcessGroup::report_failure(const std::string& error) {
    if (leader()) return;
    MPI_Request request;
    if (MPI_Isend(error.data(), static_cast<int>(error.size()), MPI_BYTE, 0, failure_tag, communicators_->reports, &request) !=
        MPI_SUCCESS) {
        return;
    }
    // The leader may be gone already; the report is worth a few seconds, not a hang.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        int done = 0;
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (done || std::chrono::steady_clock::now() > deadline) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void MpiProcessGroup::wait(void* request_pointer, const std::string& what) {
    MPI_Request& request = *static_cast<MPI_Request*>(request_pointer);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
    auto pause = std::chrono::microseconds(5);
    for (;;) {
        int done = 0;
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return;
        throw_if_abandoned(what);
        if (std::chrono::steady_clock::now() > deadline) {
            throw RankFailure("rank " + std::to_string(rank_) + " waited " + format_seconds(timeout_s_) + " s for " + what +
                              " and gave up: another rank died or hangs (the rank timeout is --rank-timeout-s)");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(2000));
    }
}

void MpiProcessGroup::all_reduce_sum(std::span<double> values) {
    MPI_Request request;
    check(MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                         communicators_->collectives, &request),
          "MPI_Iallreduce");
    wait(&request, "an all-reduce of " + std::to_string(values.size()) + " values");
}

void MpiProcessGroup::broadcast(std::span<std::byte> bytes, int root) {
    MPI_Request request;
    check(MPI_Ibcast(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, root, communicators_->collectives, &request),
          "MPI_Ibcast");
    wait(&request, "a broadcast from rank " + std::to_string(root));
}

std::vector<std::vector<std::byte>> MpiProcessGroup::all_gather(std::span<const std::byte> message) {
    int own_size = static_cast<int>(message.size());
    std::vector<int> sizes(static_cast<std::size_t>(size_));
    MPI_Request request;
    check(MPI_Iallgather(&own_size, 1, MPI_INT, sizes.data(), 1, MPI_INT, communicators_->collectives, &request),
          "MPI_Iallgather");
    wait(&request, "the sizes of a gather");
    std::vector<int> offsets(sizes.size(), 0);
    for (std::size_t r = 1; r < sizes.size(); ++r) offsets[r] = offsets[r - 1] + sizes[r - 1];
    std::vector<std::byte> gathered(static_cast<std::size_t>(offsets.back() + sizes.back()));
    check(MPI_Iallgatherv(message.data(), own_size, MPI_BYTE, gathered.data(), sizes.data(), offsets.data(), MPI_BYTE,
                          communicators_->collectives, &request),
          "MPI_Iallgatherv");
    wait(&request, "a gather");
    std::vector<std::vector<std::byte>> by_rank;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
        by_rank.emplace_back(gathered.begin() + offsets[r], gathered.begin() + offsets[r] + sizes[r]);
    }
    return by_rank;
}

std::vector<ProcessGroup::Message> MpiProcessGroup::exchange_with(const std::vector<int>& peers, const std::vector<Message>& outgoing) {
    if (peers.size() != outgoing.size()) throw std::invalid_argument("one outgoing message per peer is needed");
    std::vector<MPI_Request> sends(peers.size());
    for (std::size_t k = 0; k < peers.size(); ++k) {
        check(MPI_Isend(outgoing[k].data(), static_cast<int>(outgoing[k].size()), MPI_BYTE, peers[k], exchange_tag,
                        communicators_->collectives, &sends[k]),
              "MPI_Isend");
    }
    // Sizes differ by peer: each message is probed for its size, then received.
    std::vector<Message> incoming(peers.size());
    for (std::size_t k = 0; k < peers.size(); ++k) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
        auto pause = std::chrono::microseconds(5);
        for (;;) {
            int arrived = 0;
            MPI_Status status;
            check(MPI_Iprobe(peers[k], exchange_tag, communicators_->collectives, &arrived, &status), "MPI_Iprobe");
            if (arrived) {
                int count = 0;
                MPI_Get_count(&status, MPI_BYTE, &count);
                incoming[k].resize(static_cast<std::size_t>(count));
                check(MPI_Recv(incoming[k].data(), count, MPI_BYTE, peers[k], exchange_tag, communicators_->collectives,
                               MPI_STATUS_IGNORE),
                      "MPI_Recv");
                break;
            }
            throw_if_abandoned("a neighbour exchange with " + describe_rank(peers[k]));
            if (std::chrono::steady_clock::now() > deadline) {
                throw RankFailure(describe_rank(peers[k]) + " sent nothing to rank " + std::to_string(rank_) + " within " +
                                  format_seconds(timeout_s_) + " s of a neighbour exchange (the rank timeout is --rank-timeout-s)");
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::microseconds(2000));
        }
    }
    for (std::size_t k = 0; k < sends.size(); ++k) wait(&sends[k], "a send to " + describe_rank(peers[k]));
    return incoming;
}

ProcessGroup::Message MpiProcessGroup::leader_decides(
    const std::function<std::optional<Message>(std::optional<std::pair<int, Message>>)>& decide,
    const std::function<void()>& report) {
    std::int64_t decision_size = 0;
    Message decision;
    if (leader()) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
        auto pause = std::chrono::microseconds(5);
        for (;;) {
            int arrived_flag = 0;
            MPI_Status status;
            check(MPI_Iprobe(MPI_ANY_SOURCE, report_tag, communicators_->reports, &arrived_flag, &status), "MPI_Iprobe");
            std::optional<std::pair<int, Message>> arrived;
            if (arrived_flag) {
                int count = 0;
                MPI_Get_count(&status, MPI_BYTE, &count);
                Message message(static_cast<std::size_t>(count));
                check(MPI_Recv(message.data(), count, MPI_BYTE, status.MPI_SOURCE, report_tag, communicators_->reports,
                               MPI_STATUS_IGNORE),
                      "MPI_Recv");
                arrived.emplace(status.MPI_SOURCE, std::move(message));
            }
            if (std::optional<Message> chosen = decide(std::move(arrived))) {
                decision = std::move(*chosen);
                break;
            }
            throw_if_abandoned("the next step to finish");
            if (std::chrono::steady_clock::now() > deadline) {
                throw RankFailure("no step finished on any rank within " + format_seconds(timeout_s_) +
                                  " s (the rank timeout is --rank-timeout-s)");
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::microseconds(500));
        }
        decision_size = static_cast<std::int64_t>(decision.size());
        broadcast(std::as_writable_bytes(std::span<std::int64_t>(&decision_size, 1)), 0);
        broadcast(decision, 0);
        return decision;
    }
    MPI_Request request;
    check(MPI_Ibcast(&decision_size, 1, MPI_INT64_T, 0, communicators_->collectives, &request), "MPI_Ibcast");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
    auto pause = std::chrono::microseconds(5);
    for (;;) {
        int done = 0;
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) break;
        report();
        throw_if_abandoned("the leader's decision");
        if (std::chrono::steady_clock::now() > deadline) {
            throw RankFailure("rank " + std::to_string(rank_) + " heard nothing from the leader (rank 0) within " +
                              format_seconds(timeout_s_) + " s (the rank timeout is --rank-timeout-s)");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(500));
    }
    decision.resize(static_cast<std::size_t>(decision_size));
    broadcast(decision, 0);
    return decision;
}

void MpiProcessGroup::send_to_leader(std::span<const std::byte> message) {
    if (leader()) throw std::logic_error("the leader sends no reports to itself");
    // Reports are small; a blocking standard send returns once MPI buffered or delivered it.
    check(MPI_Send(message.data(), static_cast<int>(message.size()), MPI_BYTE, 0, report_tag, communicators_->reports),
          "MPI_Send");
}

}  // namespace tb
