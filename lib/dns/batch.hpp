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
  struct Key {};  // only start() makes a Batch (through make_shared: one allocation with its count)

 public:
  // Starts every question at once. The querier's callbacks hold the batch alive, so a batch
  // abandoned by its caller (the SMTP client went away) is never touched after being freed.
  static std::shared_ptr<Batch> start(Querier& querier, std::vector<Question> questions, Deadline deadline);
  // The same with a deadline per question (a per-list timeout inside the connection's budget; a
  // question beyond the list has none of its own).
  static std::shared_ptr<Batch> start(Querier& querier, std::vector<Question> questions,
                                      const std::vector<Deadline>& deadlines);

  // Blocks until every answer is in, or until `deadline` or each missing question's own deadline
  // has passed; a question still unanswered then is reported as Status::Timeout. The querier may
  // keep asking after that (so a late answer still fills a cache). May be called again.
  std::vector<Answer> wait_until(Deadline deadline);

  const std::vector<Question>& questions() const { return questions_; }

  Batch(Key, std::vector<Question> questions);  // see start()

 private:
  static std::shared_ptr<Batch> launch(Querier& querier, std::vector<Question> questions, std::vector<Deadline> deadlines);
  void complete(std::size_t index, Answer answer);

  const std::vector<Question> questions_;
  std::vector<Deadline> deadlines_;  // per question; set before any callback can run
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::optional<Answer>> answers_;  // guarded by mutex_
  std::size_t pending_;                         // guarded by mutex_
};

}  // namespace dyn::dns
