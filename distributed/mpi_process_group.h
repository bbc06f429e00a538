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
    // Throws the RankFailure for a failure another rank reported, if one arrived, or for a stop request.
    void throw_if_abandoned(const std::string& what);

    int rank_ = 0;
    int size_ = 1;
    int ranks_on_this_host_ = 1;
    std::vector<std::string> hosts_;
    double timeout_s_;
    const std::atomic<bool>* abandon_;
    // The MPI communicators, behind a pointer so that this header needs no mpi.h.
    struct Communicators;
    Communicators* communicators_ = nullptr;
};

}  // namespace tb
