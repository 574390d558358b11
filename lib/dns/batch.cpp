#include "dns/batch.hpp"

namespace dyn::dns {

Batch::Batch(Key, std::vector<Question> questions)
    : questions_(std::move(questions)), answers_(questions_.size()), pending_(questions_.size()) {}

std::shared_ptr<Batch> Batch::start(Querier& querier, std::vector<Question> questions, Deadline deadline) {
  std::vector<Deadline> deadlines(questions.size(), deadline);
  return launch(querier, std::move(questions), std::move(deadlines));
}

std::shared_ptr<Batch> Batch::start(Querier& querier, std::vector<Question> questions,
                                    const std::vector<Deadline>& deadlines) {
  return launch(querier, std::move(questions), std::vector<Deadline>(deadlines));
}

std::shared_ptr<Batch> Batch::launch(Querier& querier, std::vector<Question> questions, std::vector<Deadline> deadlines) {
  auto batch = std::make_shared<Batch>(Key{}, std::move(questions));
  batch->deadlines_ = std::move(deadlines);
  batch->deadlines_.resize(batch->questions_.size(), Clock::time_point::max());
  for (std::size_t i = 0; i < batch->questions_.size(); ++i) {
    querier.async_query(batch->questions_[i], batch->deadlines_[i],
                        [batch, i](Answer answer) { batch->complete(i, std::move(answer)); });
  }
  return batch;
}

void Batch::complete(std::size_t index, Answer answer) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (answers_[index]) return;  // a querier must call once; be robust if one does not
    answers_[index] = std::move(answer);
    --pending_;
    // A waiter needs waking only when its wait ends or its target moves: when this was the last
    // answer, or when no unanswered question waits as long as this one did. Otherwise (the
    // usual case: one deadline for all) it would wake once per answer only to sleep again.
    wake = pending_ == 0;
    if (!wake) {
      Deadline latest = Clock::time_point::min();
      for (std::size_t i = 0; i < answers_.size(); ++i)
        if (!answers_[i]) latest = std::max(latest, deadlines_[i]);
      wake = latest < deadlines_[index];
    }
  }
  if (wake) cv_.notify_all();
}

std::vector<Answer> Batch::wait_until(Deadline deadline) {
  std::unique_lock lock(mutex_);
  // Wait while some unanswered question is still within its own deadline (and `deadline`).
  for (;;) {
    if (pending_ == 0) break;
    Deadline latest = Clock::time_point::min();
    for (std::size_t i = 0; i < answers_.size(); ++i)
      if (!answers_[i]) latest = std::max(latest, deadlines_[i]);
    const Deadline target = std::min(latest, deadline);
    if (Clock::now() >= target) break;
    cv_.wait_until(lock, target);
  }
  std::vector<Answer> out;
  out.reserve(answers_.size());
  for (const auto& a : answers_)
    out.push_back(a ? *a : Answer::failure(Status::Timeout, "no answer within the transaction deadline"));
  return out;
}

}  // namespace dyn::dns
