// Where the auto-reply keeps the time of each sender's last reply: an SQLite database (Debian's
// libsqlite3), one row per sender keyed by address, so a lookup is one B-tree search whatever
// the number of senders, and rows older than the interval are deleted through an index on the
// time. Concurrent runs (the MTA may run several at once) take turns: a Turn holds the
// database's write lock from the check until the reply is recorded or abandoned, so one sender
// gets one reply however many of its messages arrive together, and a reply that was not sent
// (sendmail failed) is never recorded.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

struct sqlite3;

namespace dyn::autoreply {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ReplyStore {
 public:
  // Opens or creates the database. Throws StoreError with why (a file that is not such a
  // database, corrupt or an old text state file, is said to be so: it is never replaced).
  explicit ReplyStore(const std::string& path);
  ~ReplyStore();
  ReplyStore(const ReplyStore&) = delete;
  ReplyStore& operator=(const ReplyStore&) = delete;

  class Turn {
   public:
    ~Turn();  // abandons the turn unless recorded
    Turn(Turn&&) noexcept;
    // Whether `key` may get a reply at `now`: no reply within `interval` seconds. An entry dated
    // in the future (a clock that jumped back, a hand edit) or not a number is ignored, with a
    // note in `*note`. Entries older than the interval are deleted.
    bool may_reply(const std::string& key, std::int64_t now, std::int64_t interval, std::string* note);
    // The reply was sent: its time is kept, and the turn ends.
    void record(const std::string& key, std::int64_t now);

   private:
    friend class ReplyStore;
    explicit Turn(sqlite3* db) : db_(db) {}
    sqlite3* db_;
    bool open_ = true;
  };
  // Waits (up to 10 s) for other runs to finish their turn. Throws StoreError.
  Turn begin();
  std::int64_t size();  // the number of senders kept

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace dyn::autoreply
