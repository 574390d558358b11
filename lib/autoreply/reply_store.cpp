#include "autoreply/reply_store.hpp"

#include <sqlite3.h>

#include <string>

namespace dyn::autoreply {

namespace {

constexpr std::int64_t kFutureSlack = 300;  // a clock a few minutes apart is not "the future"

void exec(sqlite3* db, const char* sql, const std::string& what) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw StoreError(what + ": " + why);
  }
}

// One prepared statement, finalized when it goes.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("cannot prepare a statement: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(s_); }
  Statement& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool row() {  // steps once: true with a row to read
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(sqlite3_errmsg(db_));
  }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace

ReplyStore::ReplyStore(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    exec(db_,
         "CREATE TABLE IF NOT EXISTS replies (sender TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;"
         "CREATE INDEX IF NOT EXISTS replies_by_time ON replies (last);",
         path);
  } catch (const StoreError& e) {
    const int code = sqlite3_errcode(db_);
    sqlite3_close(db_);
    db_ = nullptr;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      throw StoreError(path + " is not a reply database (corrupt, or a text state file of an older version): " +
                       "move it away and a new one is made; until then no reply is sent");
    throw;
  }
}

ReplyStore::~ReplyStore() { sqlite3_close(db_); }

ReplyStore::Turn ReplyStore::begin() {
  exec(db_, "BEGIN IMMEDIATE", path_ + ": cannot take a turn");
  return Turn(db_);
}

std::int64_t ReplyStore::size() {
  Statement s(db_, "SELECT count(*) FROM replies");
  return s.row() ? sqlite3_column_int64(s.get(), 0) : 0;
}

ReplyStore::Turn::Turn(Turn&& o) noexcept : db_(o.db_), open_(o.open_) { o.open_ = false; }

ReplyStore::Turn::~Turn() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

bool ReplyStore::Turn::may_reply(const std::string& key, std::int64_t now, std::int64_t interval, std::string* note) {
  Statement(db_, "DELETE FROM replies WHERE last <= ?1").integer(1, now - interval).row();
  Statement s(db_, "SELECT last, typeof(last) FROM replies WHERE sender = ?1");
  s.text(1, key);
  if (!s.row()) return true;
  const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1));
  const std::int64_t last = sqlite3_column_int64(s.get(), 0);
  if (type != "integer") {
    if (note) *note = "the entry for " + key + " is not a time (" + type + "): ignored";
    return true;
  }
  if (last > now + kFutureSlack) {
    if (note) *note = "the entry for " + key + " is dated in the future (" + std::to_string(last) + "): ignored";
    return true;
  }
  return false;
}

void ReplyStore::Turn::record(const std::string& key, std::int64_t now) {
  Statement(db_, "INSERT OR REPLACE INTO replies (sender, last) VALUES (?1, ?2)").text(1, key).integer(2, now).row();
  exec(db_, "COMMIT", "cannot record the reply");
  open_ = false;
}

}  // namespace dyn::autoreply
