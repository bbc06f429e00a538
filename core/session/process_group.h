#pragma once
// The processes of a distributed run, as the run and its fleet see them. A distributed run starts one process per
// rank (under mpirun or srun); every rank runs the same method loop on the same config and seed, so it
// takes the same decisions in the same order, and rank 0, the leader, settles everything that depends
// on timing: which step finished next, when to stop, when to evaluate. Each rank trains only the
// workers of the fleet devices it owns (core/fleet/rank_assignment.h); the fleet's collectives (the
// gradient all-reduce, model merges, reading one worker's parameters) meet through this interface.
//
// core/ knows only this contract; distributed/ implements it on MPI. Every call is collective (all ranks
// make it, in the same order) unless it says otherwise, and every wait gives up after the run's rank
// timeout with a RankFailure that names the rank, its host and its devices.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tb {

// A rank died, hung past the timeout, or started with a different build or config.
class RankFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ProcessGroup {
public:
    virtual ~ProcessGroup() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    bool leader() const { return rank() == 0; }
    // The host name of every rank, by rank.
    virtual const std::vector<std::string>& hosts() const = 0;
    // How many ranks share this rank's host (they share its cores).
    virtual int ranks_on_this_host() const = 0;

    using Message = std::vector<std::byte>;

    // Sum over the ranks, element by element, in double precision; every rank receives the sum.
    virtual void all_reduce_sum(std::span<double> values) = 0;
    // `bytes` on rank `root` is copied into `bytes` on every other rank (same size everywhere).
    virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
    // Every rank's message, by rank (messages may differ in size).
    virtual std::vector<std::vector<std::byte>> all_gather(std::span<const std::byte> message) = 0;

    // Collective among neighbours: sends outgoing[k] to peers[k] and returns the message each peer sent
    // here, in the order of `peers`. Every peer must name this rank among its own peers.
    virtual std::vector<Message> exchange_with(const std::vector<int>& peers, const std::vector<Message>& outgoing) = 0;

    // Not collective: the leader broadcasts a decision while every other rank keeps its own work going.
    // On a non-leader, `report` is called repeatedly while the decision has not arrived, and may send
    // messages to the leader with send_to_leader. On the leader, `decide` is called repeatedly with what
    // has arrived from the other ranks (rank, message), or nothing, until it returns the decision.
    virtual Message leader_decides(const std::function<std::optional<Message>(std::optional<std::pair<int, Message>>)>& decide,
                                   const std::function<void()>& report) = 0;
    // Non-leaders only, from within `report`.
    virtual void send_to_leader(std::span<const std::byte> message) = 0;
    // Not collective: a non-leader whose run failed tells the leader why, and the leader's next wait
    // ends with a RankFailure naming this rank.
    virtual void report_failure(const std::string& error) = 0;

    // Names rank r as errors should: "rank 2 on host-b (devices gpu2, gpu3)".
    std::string describe_rank(int r) const {
        std::string text = "rank " + std::to_string(r);
        if (r >= 0 && static_cast<std::size_t>(r) < hosts().size()) text += " on " + hosts()[static_cast<std::size_t>(r)];
        if (r >= 0 && static_cast<std::size_t>(r) < rank_devices_.size() && !rank_devices_[static_cast<std::size_t>(r)].empty()) {
            text += " (devices " + rank_devices_[static_cast<std::size_t>(r)] + ")";
        }
        return text;
    }
    // The devices each rank owns, by rank, as they appear in describe_rank.
    void set_rank_devices(std::vector<std::string> devices) { rank_devices_ = std::move(devices); }

private:
    std::vector<std::string> rank_devices_;
};

}  // namespace tb
