// Batch: many lookups started together and waited for once, against one deadline (the SMTP
// transaction's). Questions are asked in parallel; wait_until() returns answers in question order.
#pragma once

#include "dns/querier.hpp"

#include <boost/container/small_vector.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace dyn::dns {

class Batch {
  struct Key {};  // only start() makes a Batch (through make_shared: one allocation with its count)

 public:
  // Starts every question at once: those the querier can answer now (a cached answer) are
  // answered before start() returns, the others are asked in parallel. The querier's callbacks
  // hold the batch alive, so a batch abandoned by its caller (the SMTP client went away) is never
  // touched after being freed.
  static std::shared_ptr<Batch> start(Querier& querier, std::vector<Question> questions, Deadline deadline);

  // Blocks until every answer is in, or until `deadline` or the batch's own has passed. The
  // answers are then final: a question still unanswered is reported as Status::Timeout, and an
  // answer that comes later is not taken (the querier may still use it, e.g. to fill a cache).
  // Later calls return the same answers at once. The reference lives as long as the batch.
  const std::vector<Answer>& wait_until(Deadline deadline);

  const std::vector<Question>& questions() const { return questions_; }
  // Every question has its answer (or the answers are final): wait_until() would not block.
  bool done();

  Batch(Key, std::vector<Question> questions, Deadline deadline);  // see start()

 private:
  void complete(std::size_t index, Answer answer);

  const std::vector<Question> questions_;
  const Deadline deadline_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Answer> answers_;  // guarded by mutex_ until closed_
  // Whether question i has its answer (inline for up to 16 questions). Guarded by mutex_.
  boost::container::small_vector<std::uint8_t, 16> answered_;
  std::size_t pending_;  // guarded by mutex_: questions not answered yet
  bool closed_ = false;  // guarded by mutex_: the answers are final
};

}  // namespace dyn::dns
