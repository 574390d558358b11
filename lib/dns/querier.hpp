// Querier: the one interface between callers and whatever answers DNS questions (the UDP
// transport, the caching and coalescing resolver around it, local zones around that).
#pragma once

#include "dns/types.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace dyn::dns {

// For each question not known yet whose answer `answer(question, i)` (an optional<Answer>) gives
// now: stores it and marks it known. The loop of every Querier::answer_known().
template <class AnswerNow>
void fill_known(std::span<const Question> questions, std::span<Answer> answers, std::span<std::uint8_t> known,
                AnswerNow&& answer) {
  for (std::size_t i = 0; i < questions.size(); ++i)
    if (!known[i])
      if (auto a = answer(questions[i], i)) {
        answers[i] = std::move(*a);
        known[i] = 1;
      }
}

class Querier {
 public:
  using Callback = std::function<void(Answer)>;
  virtual ~Querier() = default;

  // Starts a lookup and returns at once. `done` is called exactly once, from another thread
  // (or synchronously, e.g. from a cache), with the answer or a failure (Timeout at `deadline`).
  // It must be cheap and must not call back into the querier.
  virtual void async_query(const Question& question, Deadline deadline, Callback done) = 0;

  // The answer when it is known at once (a cached answer, a local zone's), without starting a
  // lookup; nullopt when the question must be asked. No callback is made for an answer known now.
  virtual std::optional<Answer> answer_now(const Question&) { return std::nullopt; }

  // The same for several questions at once, for callers that ask many (dns::Batch): for each i
  // with known[i] == 0 whose answer is known now, sets answers[i] and known[i] = 1 (the spans are
  // of one size). By default answer_now() for each; a cache looks them up together, so that their
  // memory waits overlap instead of following one another.
  virtual void answer_known(std::span<const Question> questions, std::span<Answer> answers,
                            std::span<std::uint8_t> known) {
    fill_known(questions, answers, known, [this](const Question& q, std::size_t) { return answer_now(q); });
  }
};

}  // namespace dyn::dns
