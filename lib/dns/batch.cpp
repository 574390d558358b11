#include "dns/batch.hpp"

namespace dyn::dns {

Batch::Batch(std::vector<Question> questions)
    : questions_(std::move(questions)), answers_(questions_.size()), pending_(questions_.size()) {}

std::shared_ptr<Batch> Batch::start(Querier& querier, std::vector<Question> questions, Deadline deadline) {
  std::shared_ptr<Batch> batch(new Batch(std::move(questions)));
  for (std::size_t i = 0; i < batch->questions_.size(); ++i) {
    querier.async_query(batch->questions_[i], deadline,
                        [batch, i](Answer answer) { batch->complete(i, std::move(answer)); });
  }
  return batch;
}

void Batch::complete(std::size_t index, Answer answer) {
  {
    std::lock_guard lock(mutex_);
    if (answers_[index]) return;  // a querier must call once; be robust if one does not
    answers_[index] = std::move(answer);
    --pending_;
  }
  cv_.notify_all();
}

std::vector<Answer> Batch::wait_until(Deadline deadline) {
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, deadline, [this] { return pending_ == 0; });
  std::vector<Answer> out;
  out.reserve(answers_.size());
  for (const auto& a : answers_)
    out.push_back(a ? *a : Answer::failure(Status::Timeout, "no answer within the transaction deadline"));
  return out;
}

}  // namespace dyn::dns
