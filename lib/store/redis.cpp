#include "store/redis.hpp"

#include "util/log.hpp"

#include <hiredis/hiredis.h>

#include <pthread.h>

namespace dyn::store {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

}  // namespace

std::unique_ptr<Connection> Connection::open(const std::string& address, std::chrono::milliseconds timeout,
                                             std::string* error) {
  const timeval tv = to_timeval(timeout);
  redisContext* c = nullptr;
  if (address.starts_with("unix:")) {
    c = redisConnectUnixWithTimeout(address.substr(5).c_str(), tv);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
      if (error) *error = "not HOST:PORT: " + address;
      return nullptr;
    }
    int port = 0;
    try {
      port = std::stoi(address.substr(colon + 1));
    } catch (const std::exception&) {}
    c = redisConnectWithTimeout(address.substr(0, colon).c_str(), port, tv);
  }
  if (!c || c->err) {
    if (error) *error = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return nullptr;
  }
  if (redisSetTimeout(c, tv) != REDIS_OK) {
    if (error) *error = "cannot set the timeout";
    redisFree(c);
    return nullptr;
  }
  return std::unique_ptr<Connection>(new Connection(c));
}

Connection::~Connection() { redisFree(c_); }

bool Connection::run(const std::vector<std::vector<std::string>>& commands, std::vector<std::string>* values,
                     std::string* error) {
  for (const auto& cmd : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      if (error) *error = c_->errstr;
      return false;
    }
  }
  bool ok = true;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK || !raw) {
      if (error) *error = c_->err ? c_->errstr : "no reply";
      return false;  // the connection is unusable now
    }
    std::unique_ptr<redisReply, ReplyFree> r(static_cast<redisReply*>(raw));
    if (r->type == REDIS_REPLY_ERROR) {
      if (error) *error = std::string(r->str, r->len).substr(0, 200);
      ok = false;
      continue;
    }
    if (i != 0 || !values) continue;
    if (r->type == REDIS_REPLY_STRING) {
      values->emplace_back(r->str, r->len);
    } else if (r->type == REDIS_REPLY_ARRAY) {
      for (std::size_t k = 0; k < r->elements; ++k)
        if (r->element[k]->type == REDIS_REPLY_STRING) values->emplace_back(r->element[k]->str, r->element[k]->len);
    }
  }
  return ok;
}

HistoryWriter::HistoryWriter(std::string address, std::chrono::seconds expire,
                             std::function<void(std::string_view)> counted, std::size_t max_queue,
                             std::chrono::milliseconds timeout)
    : address_(std::move(address)),
      expire_(expire),
      counted_(std::move(counted)),
      max_queue_(max_queue),
      timeout_(timeout),
      thread_([this] { loop(); }) {}

HistoryWriter::~HistoryWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HistoryWriter::publish(const control::PublicRecord& record) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queue_) {
      if (counted_) counted_("dropped");
      return;
    }
    queue_.push_back(record);
  }
  wake_.notify_one();
}

void HistoryWriter::loop() {
  ::pthread_setname_np(::pthread_self(), "dyn-history");
  std::unique_ptr<Connection> conn;
  auto retry_at = std::chrono::steady_clock::time_point{};
  std::string last_error;
  while (true) {
    control::PublicRecord record;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      record = std::move(queue_.front());
      queue_.pop_front();
      if (stop_ && !conn) {  // stopping with no store to write to: the rest is dropped
        if (counted_)
          for (std::size_t i = 0; i <= queue_.size(); ++i) counted_("failed");
        queue_.clear();
        return;
      }
    }
    std::string error;
    if (!conn && std::chrono::steady_clock::now() >= retry_at) {
      conn = Connection::open(address_, timeout_, &error);
      if (!conn) retry_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    bool ok = false;
    if (conn) {
      const std::string secs = std::to_string(expire_.count());
      const std::string ref_key = std::string(kPrefix) + "ref:" + record.reference;
      const std::string ip_key = std::string(kPrefix) + "ip:" + record.client;
      ok = conn->run({{"SET", ref_key, control::encode(record), "EX", secs},
                      {"LPUSH", ip_key, record.reference},
                      {"LTRIM", ip_key, "0", std::to_string(kRefsPerClient - 1)},
                      {"EXPIRE", ip_key, secs}},
                     nullptr, &error);
      if (!ok) {
        conn.reset();  // a fresh connection next time: the old one may hold half an answer
        retry_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      }
    } else if (error.empty()) {
      error = "waiting to reconnect";
    }
    if (counted_) counted_(ok ? "written" : "failed");
    if (!ok && error != last_error && error != "waiting to reconnect")
      log::warning("history store {}: {} (refusals are not shared until it answers)", address_, error);
    if (ok && !last_error.empty()) log::notice("history store {}: writing again", address_);
    last_error = ok ? std::string() : error == "waiting to reconnect" ? last_error : error;
  }
}

bool HistoryReader::ensure(std::string* error) {
  if (!connection_) connection_ = Connection::open(address_, timeout_, error);
  return connection_ != nullptr;
}

std::optional<control::PublicRecord> HistoryReader::by_reference(const std::string& reference, std::string* error) {
  std::lock_guard lock(mutex_);
  if (!ensure(error)) return std::nullopt;
  std::vector<std::string> values;
  if (!connection_->run({{"GET", std::string(kPrefix) + "ref:" + reference}}, &values, error)) {
    connection_.reset();
    return std::nullopt;
  }
  if (values.empty()) return std::nullopt;
  auto r = control::decode(values.front(), error);
  if (r && r->reference != reference) return std::nullopt;
  return r;
}

std::vector<control::PublicRecord> HistoryReader::by_client(const std::string& address, std::size_t n,
                                                            std::string* error) {
  std::vector<control::PublicRecord> out;
  std::vector<std::string> refs;
  {
    std::lock_guard lock(mutex_);
    if (!ensure(error)) return out;
    if (!connection_->run({{"LRANGE", std::string(kPrefix) + "ip:" + address, "0", std::to_string(n - 1)}}, &refs,
                          error)) {
      connection_.reset();
      return out;
    }
  }
  for (const auto& ref : refs) {
    if (!policy::is_incident_id(ref)) continue;
    if (auto r = by_reference(ref, error); r && r->client == address) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace dyn::store
