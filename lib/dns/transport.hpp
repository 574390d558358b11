// Transport: the network side of the DNS layer. One I/O thread owns every socket and timer;
// callers hand questions over through a queue and an eventfd. The thread waits in epoll, with
// the lookups' deadlines and retries in a heap: its work per event does not grow with the
// number of lookups in flight. The attempts handed over in one wake-up (up to 16) share a UDP
// socket connected to one server, so the kernel picks a random source port and drops datagrams
// from anyone else. Each attempt has its own random query ID, never two alike on one socket, and a
// reply counts only when its ID and question match.
#pragma once

#include "dns/querier.hpp"
#include "dns/server_address.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace dyn::dns {

struct TransportOptions {
  std::vector<ServerAddress> servers;
  // Without an answer after this long, the question is sent again to the next server (the
  // earlier attempt stays open, so its late answer is still taken). Bounded by the deadline.
  std::chrono::milliseconds retry_interval{1000};
};

class Transport final : public Querier {
 public:
  // Starts the I/O thread. Throws std::system_error if it cannot, std::invalid_argument without servers.
  explicit Transport(TransportOptions options);
  // Stops the thread; lookups still pending complete with Status::NetworkError.
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void async_query(const Question& question, Deadline deadline, Callback done) override;

  // A reload changed the servers: the next attempt of every lookup (new or in flight) goes to
  // these. Throws std::invalid_argument when the list is empty.
  void set_servers(std::vector<ServerAddress> servers);

  struct Stats {
    std::uint64_t sent = 0;      // datagrams sent (attempts)
    std::uint64_t answered = 0;  // lookups completed by a matching reply
    std::uint64_t ignored = 0;   // datagrams dropped: undecodable, wrong ID or wrong question
    std::uint64_t timed_out = 0;
    std::uint64_t tcp = 0;      // TCP retries after a truncated reply
    std::uint64_t sockets = 0;  // UDP sockets opened (the attempts of one wake-up share one per server)
  };
  Stats stats() const;

  // CPU time the I/O thread has used so far (for benchmarks: its work per lookup).
  std::chrono::nanoseconds io_cpu() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dyn::dns
