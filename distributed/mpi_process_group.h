#pragma once
// The process group of a distributed run on MPI (Open MPI from Debian, or any MPI 3 library): the one
// file that includes mpi.h. Collectives run on one communicator and the step reports to the leader on
// another, so a report can never be taken for a collective's message. MPI is initialised with
// MPI_THREAD_FUNNELED: only the run's own thread calls MPI, while the devices' threads compute.
//
// Every wait is a poll with a deadline instead of a blocking call, so that a rank that died or hangs
// ends the run with a RankFailure after `timeout_s` rather than never, and so that a stop request (the
// CLI's SIGINT/SIGTERM handler, which is also how mpirun ends a job when one of its processes died)
// ends a wait at once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/session/process_group.h"

namespace tb {

class MpiProcessGroup final : public ProcessGroup {
public:
    // Initialises MPI. host_override: the name this rank reports as its host instead of the machine's
    // (emulated hosts on one machine); empty: the processor name MPI reports. `abandon`, when set,
    // ends every wait with a RankFailure.
    MpiProcessGroup(double timeout_s, std::string host_override, const std::atomic<bool>* abandon);
    // Finalises MPI.
    ~MpiProcessGroup() override;
    MpiProcessGroup(const MpiProcessGroup&) = delete;
    MpiProcessGroup& operator=(const MpiProcessGroup&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    const std::vector<std::string>& hosts() const override { return hosts_; }
    int ranks_on_this_host() const override { return ranks_on_this_host_; }

    void all_reduce_sum(std::span<double> values) override;
    void broadcast(std::span<std::byte> bytes, int root) override;
    std::vector<std::vector<std::byte>> all_gather(std::span<const std::byte> message) override;
    std::vector<Message> exchange_with(const std::vector<int>& peers, const std::vector<Message>& outgoing) override;
    Message leader_decides(const std::function<std::optional<Message>(std::optional<std::pair<int, Message>>)>& decide,
                           const std::function<void()>& report) override;
    void send_to_leader(std::span<const std::byte> message) override;
    void report_failure(const std::string& error) override;

    // Ends the whole job at once (MPI_Abort): for a rank that cannot go on and must not leave the others
    // waiting.
    [[noreturn]] void abort(int exit_code);

private:
    // Waits for a non-blocking operation; `what` names it in the error.
    void wait(void* request, const std::string& what);
    // One turn of every wait: keeps in touch, ends the wait with a RankFailure on a failure another rank
    // reported, on a stop request or past the timeout (naming whom to blame), then sleeps a little
    // longer each turn.
    void between_polls(const std::string& what, std::chrono::steady_clock::time_point started, std::chrono::microseconds& pause,
                       std::chrono::microseconds longest_pause = std::chrono::microseconds(1000));
    // Non-leaders send a heartbeat now and then; the leader notes whom it heard from.
    void keep_in_touch();
    // The ranks that look dead or hung: on this host, those whose process is gone; on the leader, those
    // silent for several heartbeats. Empty when no rank looks so.
    std::string whom_to_blame() const;

    int rank_ = 0;
    int size_ = 1;
    int ranks_on_this_host_ = 1;
    std::vector<std::string> hosts_;
    std::vector<std::int64_t> pids_;  // every rank's process id, by rank
    std::vector<std::chrono::steady_clock::time_point> last_heard_;  // the leader's, by rank
    std::chrono::steady_clock::time_point last_heartbeat_sent_;
    double timeout_s_;
    const std::atomic<bool>* abandon_;
    // The MPI communicators, behind a pointer so that this header needs no mpi.h.
    struct Communicators;
    Communicators* communicators_ = nullptr;
};

}  // namespace tb
