#include "distributed/mpi_process_group.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <csignal>
#include <cstdlib>
#include <sys/prctl.h>
#include <unistd.h>

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
constexpr int heartbeat_tag = 20;
// How often a rank that waits tells the leader it is alive: the leader names the ranks it has not heard
// from when a wait runs out.
constexpr double heartbeat_period_s = 0.25;

void check(int status, const char* call) {
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw RankFailure(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof(text), seconds < 10 ? "%.1f" : "%.0f", seconds);
    return text;
}

// The leader's decision as broadcast: its size, and its bytes when they fit.
struct DecisionFrame {
    std::int64_t size = 0;
    std::byte inline_bytes[248] = {};
};

// The next message with `tag` from `source` (MPI_ANY_SOURCE: any rank) on `communicator`, if one has
// arrived: its sender and its bytes, received whole (probed first for its size).
std::optional<std::pair<int, std::vector<std::byte>>> receive_if_arrived(int source, int tag, MPI_Comm communicator) {
    int arrived = 0;
    MPI_Status status;
    check(MPI_Iprobe(source, tag, communicator, &arrived, &status), "MPI_Iprobe");
    if (!arrived) return std::nullopt;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    std::vector<std::byte> bytes(static_cast<std::size_t>(count));
    check(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, tag, communicator, MPI_STATUS_IGNORE), "MPI_Recv");
    return std::pair{status.MPI_SOURCE, std::move(bytes)};
}

}  // namespace

MpiProcessGroup::MpiProcessGroup(double timeout_s, std::string host_override, const std::atomic<bool>* abandon)
    : timeout_s_(timeout_s), abandon_(abandon), communicators_(new Communicators) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
        // Open MPI's non-blocking all-reduce otherwise takes a binomial tree for an in-place call (a reduce
        // to rank 0, then a broadcast), which moved a 20 MiB buffer between two emulated hosts in 2.1
        // times the time of a ring and 3.5 times on four (bench/RESULTS.md); the ring is within 1.1-1.2
        // of the link's rate. A setting the person made (environment or mpirun --mca) wins.
        setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", /*overwrite=*/0);
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
    // The run's thread makes every MPI call and sleeps between polls: a 1 us timer slack lets a short
    // sleep be short.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // Before the first wait, which keeps in touch.
    last_heard_.assign(static_cast<std::size_t>(size_), std::chrono::steady_clock::now());
    last_heartbeat_sent_ = std::chrono::steady_clock::now();

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
    const auto own_pid = static_cast<std::int64_t>(getpid());
    for (const std::vector<std::byte>& each : all_gather(std::as_bytes(std::span<const std::int64_t>(&own_pid, 1)))) {
        std::int64_t pid = 0;
        std::memcpy(&pid, each.data(), sizeof(pid));
        pids_.push_back(pid);
    }
}

MpiProcessGroup::~MpiProcessGroup() {
    MPI_Comm_free(&communicators_->collectives);
    MPI_Comm_free(&communicators_->reports);
    delete communicators_;
    MPI_Finalize();
}

void MpiProcessGroup::abort(int exit_code) { MPI_Abort(MPI_COMM_WORLD, exit_code); std::_Exit(exit_code); }

void MpiProcessGroup::keep_in_touch() {
    const auto now = std::chrono::steady_clock::now();
    if (!leader()) {
        if (now - last_heartbeat_sent_ < std::chrono::duration<double>(heartbeat_period_s)) return;
        last_heartbeat_sent_ = now;
        static const std::byte alive{1};
        MPI_Request request;
        // Small enough to go out at once; nobody waits for its completion.
        if (MPI_Isend(&alive, 1, MPI_BYTE, 0, heartbeat_tag, communicators_->reports, &request) == MPI_SUCCESS) {
            MPI_Request_free(&request);
        }
        return;
    }
    while (const auto heartbeat = receive_if_arrived(MPI_ANY_SOURCE, heartbeat_tag, communicators_->reports)) {
        last_heard_[static_cast<std::size_t>(heartbeat->first)] = now;
    }
}

std::string MpiProcessGroup::whom_to_blame() const {
    std::string text;
    const auto now = std::chrono::steady_clock::now();
    // Ranks on this host whose process is gone: certain.
    for (int r = 0; r < size_; ++r) {
        // Before the start-up exchange there is nothing to check against.
        if (pids_.size() != static_cast<std::size_t>(size_) || hosts_.size() != static_cast<std::size_t>(size_)) break;
        if (r == rank_ || hosts_[static_cast<std::size_t>(r)] != hosts_[static_cast<std::size_t>(rank_)]) continue;
        if (kill(static_cast<pid_t>(pids_[static_cast<std::size_t>(r)]), 0) != 0 && errno == ESRCH) {
            text += (text.empty() ? "" : "; ") + describe_rank(r) + " is gone (its process " +
                    std::to_string(pids_[static_cast<std::size_t>(r)]) + " no longer exists)";
        }
    }
    if (!text.empty() || !leader()) return text;
    // Otherwise the ranks the leader has not heard from for several heartbeats: dead or hanging.
    for (int r = 1; r < size_; ++r) {
        const double silent = std::chrono::duration<double>(now - last_heard_[static_cast<std::size_t>(r)]).count();
        if (silent > 4 * heartbeat_period_s) {
            text += (text.empty() ? "" : "; ") + describe_rank(r) + " has been silent for " + format_seconds(silent) + " s";
        }
    }
    return text;
}

void MpiProcessGroup::between_polls(const std::string& what, std::chrono::steady_clock::time_point started,
                                    std::chrono::microseconds& pause, std::chrono::microseconds longest_pause) {
    keep_in_touch();
    if (leader()) {
        if (const auto report = receive_if_arrived(MPI_ANY_SOURCE, failure_tag, communicators_->reports)) {
            const std::string error(reinterpret_cast<const char*>(report->second.data()), report->second.size());
            // That rank may not know whom to blame; the leader, which hears every rank, may.
            const std::string blame = whom_to_blame();
            throw RankFailure(describe_rank(report->first) + " failed: " + error + (blame.empty() ? "" : "; " + blame));
        }
    }
    if (abandon_ != nullptr && abandon_->load(std::memory_order_relaxed)) {
        const std::string blame = whom_to_blame();
        throw RankFailure("rank " + std::to_string(rank_) + " was stopped while waiting for " + what +
                          (blame.empty() ? " (mpirun ends every rank with SIGTERM on Ctrl-C, and when one of its "
                                           "processes died: then its message names that one)"
                                         : ": " + blame));
    }
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // The leader gives up first: it hears every rank's heartbeats and can name the one at fault, where
    // another rank only knows that its own wait ran out.
    const double patience_s = leader() ? timeout_s_ : 1.5 * timeout_s_ + 1.0;
    if (waited > patience_s) {
        const std::string blame = whom_to_blame();
        throw RankFailure("rank " + std::to_string(rank_) + " waited " + format_seconds(patience_s) + " s for " + what +
                          " and gave up: " + (blame.empty() ? "another rank died or hangs" : blame) +
                          " (the rank timeout is --rank-timeout-s)");
    }
    // A young wait yields instead of sleeping: a sleep takes at least the timer's slack (50 us by default),
    // which made a one-value all-reduce 30 times slower than MPI's own; and Open MPI moves a non-blocking
    // collective on only inside MPI_Test.
    if (waited < 100e-6) {
        std::this_thread::yield();
        return;
    }
    std::this_thread::sleep_for(pause);
    // Short pauses while a wait is young keep quick exchanges quick; a long wait costs little CPU.
    const auto cap = waited < 0.005 ? std::min(longest_pause, std::chrono::microseconds(50)) : longest_pause;
    pause = std::min(pause * 2, cap);
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
    const auto started = std::chrono::steady_clock::now();
    auto pause = std::chrono::microseconds(5);
    for (;;) {
        int done = 0;
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return;
        between_polls(what, started, pause);
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
        const auto started = std::chrono::steady_clock::now();
        auto pause = std::chrono::microseconds(5);
        for (;;) {
            if (auto message = receive_if_arrived(peers[k], exchange_tag, communicators_->collectives)) {
                incoming[k] = std::move(message->second);
                break;
            }
            between_polls("the gossip vectors of " + describe_rank(peers[k]), started, pause);
        }
    }
    for (std::size_t k = 0; k < sends.size(); ++k) wait(&sends[k], "a send to " + describe_rank(peers[k]));
    return incoming;
}

ProcessGroup::Message MpiProcessGroup::leader_decides(
    const std::function<std::optional<Message>(std::optional<std::pair<int, Message>>)>& decide,
    const std::function<void()>& report) {
    Message decision;
    if (leader()) {
        auto started = std::chrono::steady_clock::now();
        auto pause = std::chrono::microseconds(5);
        for (;;) {
            std::optional<std::pair<int, Message>> arrived = receive_if_arrived(MPI_ANY_SOURCE, report_tag, communicators_->reports);
            const bool a_step_finished = arrived.has_value();
            if (a_step_finished) last_heard_[static_cast<std::size_t>(arrived->first)] = std::chrono::steady_clock::now();
            if (std::optional<Message> chosen = decide(std::move(arrived))) {
                decision = std::move(*chosen);
                break;
            }
            // Any step finishing restarts the clock: a slow step on one rank is not a failure while others work.
            if (a_step_finished) started = std::chrono::steady_clock::now();
            // The callbacks wait on the devices themselves; the pause here only spaces out the probes.
            between_polls("the next step to finish", started, pause, std::chrono::microseconds(20));
        }
        // One broadcast carries the size and, as nearly always, the whole decision; a longer one (a
        // step's error text) follows in a second.
        DecisionFrame frame;
        frame.size = static_cast<std::int64_t>(decision.size());
        std::memcpy(frame.inline_bytes, decision.data(), std::min(decision.size(), sizeof(frame.inline_bytes)));
        broadcast(std::as_writable_bytes(std::span<DecisionFrame>(&frame, 1)), 0);
        if (decision.size() > sizeof(frame.inline_bytes)) broadcast(decision, 0);
        return decision;
    }
    DecisionFrame frame;
    MPI_Request request;
    check(MPI_Ibcast(&frame, sizeof(frame), MPI_BYTE, 0, communicators_->collectives, &request), "MPI_Ibcast");
    const auto started = std::chrono::steady_clock::now();
    auto pause = std::chrono::microseconds(5);
    for (;;) {
        int done = 0;
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) break;
        report();
        between_polls("the leader (rank 0) to say which step finished", started, pause, std::chrono::microseconds(20));
    }
    decision.resize(static_cast<std::size_t>(frame.size));
    if (decision.size() > sizeof(frame.inline_bytes)) {
        broadcast(decision, 0);
    } else {
        std::memcpy(decision.data(), frame.inline_bytes, decision.size());
    }
    return decision;
}

void MpiProcessGroup::send_to_leader(std::span<const std::byte> message) {
    if (leader()) throw std::logic_error("the leader sends no reports to itself");
    // Reports are small; a blocking standard send returns once MPI buffered or delivered it.
    check(MPI_Send(message.data(), static_cast<int>(message.size()), MPI_BYTE, 0, report_tag, communicators_->reports),
          "MPI_Send");
}

}  // namespace tb
