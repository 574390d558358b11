#include "dns/batch.hpp"

#include <algorithm>

namespace dyn::dns {

Batch::Batch(Key, std::vector<Question> questions, Deadline deadline)
    : questions_(std::move(questions)),
      deadline_(deadline),
      answers_(questions_.size()),
      answered_(questions_.size(), 0),
      pending_(questions_.size()) {}

std::shared_ptr<Batch> Batch::start(Querier& querier, std::vector<Question> questions, Deadline deadline) {
  auto batch = std::make_shared<Batch>(Key{}, std::move(questions), deadline);
  // The answers known now go in first; no other thread knows the batch yet, so no lock is needed.
  const std::size_t n = batch->questions_.size();
  querier.answer_known(batch->questions_, batch->answers_, std::span(batch->answered_.data(), n));
  for (std::size_t i = 0; i < n; ++i)
    if (batch->answered_[i]) --batch->pending_;
  if (batch->pending_ == 0) return batch;
  for (std::size_t i = 0; i < n; ++i) {
    if (batch->answered_[i]) continue;  // read before the asking starts: set only above
    querier.async_query(batch->questions_[i], deadline,
                        [batch, i](Answer answer) { batch->complete(i, std::move(answer)); });
  }
  return batch;
}

void Batch::complete(std::size_t index, Answer answer) {
  {
    std::lock_guard lock(mutex_);
    // Too late (the answers are final), or a querier that calls twice (it must call once).
    if (closed_ || answered_[index]) return;
    answers_[index] = std::move(answer);
    answered_[index] = 1;
    // The waiter (one deadline for all) needs waking only by the last answer.
    if (--pending_ != 0) return;
  }
  cv_.notify_all();
}

bool Batch::done() {
  std::lock_guard lock(mutex_);
  return closed_ || pending_ == 0;
}

const std::vector<Answer>& Batch::wait_until(Deadline deadline) {
  std::unique_lock lock(mutex_);
  const Deadline target = std::min(deadline, deadline_);
  while (!closed_ && pending_ != 0 && Clock::now() < target) cv_.wait_until(lock, target);
  if (!closed_) {
    closed_ = true;
    for (std::size_t i = 0; i < answers_.size(); ++i)
      if (!answered_[i]) answers_[i] = Answer::failure(Status::Timeout, "no answer within the transaction deadline");
  }
  return answers_;
}

}  // namespace dyn::dns
