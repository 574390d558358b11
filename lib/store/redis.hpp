// The shared history store (--history-redis): every MX host's daemon writes its refusals to one
// Redis, and dynmilter-web on any of them reads them back. Redis is an existing engine, spoken to
// through hiredis; nothing here waits for it on a session's behalf:
//   - HistoryWriter: publish() puts a record on a bounded queue and returns at once; one thread
//     writes the queue out with a timeout per command and reconnects with a back-off. A queue
//     that is full, a Redis that is down, slow or answers garbage: the record is dropped and
//     counted, and mail never notices.
//   - HistoryReader: look-ups for the page, each within a timeout; any failure reads as "not found".
// Keys: PREFIX ref:REF (the record's text, control::encode) and PREFIX ip:ADDRESS (its latest
// references, newest first), both expiring after --history-expire.
#pragma once

#include "control/public_record.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct redisContext;

namespace dyn::store {

inline constexpr std::string_view kPrefix = "dynmilter:";
inline constexpr std::size_t kRefsPerClient = 20;

// One connection with a timeout on every command. HOST:PORT or unix:/PATH.
class Connection {
 public:
  static std::unique_ptr<Connection> open(const std::string& address, std::chrono::milliseconds timeout,
                                          std::string* error);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Sends every command, then reads every reply. false (and *error) on any I/O error or error reply.
  bool run(const std::vector<std::vector<std::string>>& commands, std::vector<std::string>* first_reply_values,
           std::string* error);

 private:
  explicit Connection(redisContext* c) : c_(c) {}
  redisContext* c_;
};

class HistoryWriter {
 public:
  // `counted` (may be empty) is called with "written", "dropped" (queue full) or "failed" per record.
  HistoryWriter(std::string address, std::chrono::seconds expire, std::function<void(std::string_view)> counted,
                std::size_t max_queue = 10000, std::chrono::milliseconds timeout = std::chrono::milliseconds(500));
  ~HistoryWriter();  // writes out what it can within the timeout, then stops
  void publish(const control::PublicRecord& record);

 private:
  void loop();
  const std::string address_;
  const std::chrono::seconds expire_;
  const std::function<void(std::string_view)> counted_;
  const std::size_t max_queue_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<control::PublicRecord> queue_;
  bool stop_ = false;
  std::thread thread_;
};

class HistoryReader {
 public:
  explicit HistoryReader(std::string address, std::chrono::milliseconds timeout = std::chrono::milliseconds(500))
      : address_(std::move(address)), timeout_(timeout) {}
  // nullopt: not there, or the store could not be asked (*error says which).
  std::optional<control::PublicRecord> by_reference(const std::string& reference, std::string* error);
  std::vector<control::PublicRecord> by_client(const std::string& address, std::size_t n, std::string* error);

 private:
  bool ensure(std::string* error);
  const std::string address_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;  // one connection, one request at a time
  std::unique_ptr<Connection> connection_;
};

}  // namespace dyn::store
