// Batch: many lookups started together and waited for once, against one deadline (the SMTP
// transaction's). Questions are asked in parallel; wait_until() returns answers in question order.
#pragma once

#include "dns/querier.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace dyn::dns {

class Batch : public std::enable_shared_from_this<Batch> {
 public:
  // Starts every question at once. The querier's callbacks hold the batch alive, so a batch
  // abandoned by its caller (the SMTP client went away) is never touched after being freed.
  static std::shared_ptr<Batch> start(Querier& querier, std::vector<Question> questions, Deadline deadline);

  // Blocks until every answer is in or `deadline` passes; a question still unanswered then is
  // reported as Status::Timeout. May be called again (later answers are then included).
  std::vector<Answer> wait_until(Deadline deadline);

  const std::vector<Question>& questions() const { return questions_; }

 private:
  explicit Batch(std::vector<Question> questions);
  void complete(std::size_t index, Answer answer);

  const std::vector<Question> questions_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::optional<Answer>> answers_;  // guarded by mutex_
  std::size_t pending_;                         // guarded by mutex_
};

}  // namespace dyn::dns
