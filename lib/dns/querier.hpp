// Querier: the one interface between callers and whatever answers DNS questions (the UDP
// transport today; a cache and coalescer wrapped around it later, without callers changing).
#pragma once

#include "dns/types.hpp"

#include <functional>
#include <optional>
#include <span>

namespace dyn::dns {

class Querier {
 public:
  using Callback = std::function<void(Answer)>;
  virtual ~Querier() = default;

  // Starts a lookup and returns at once. `done` is called exactly once, from another thread
  // (or synchronously, e.g. from a cache), with the answer or a failure (Timeout at `deadline`).
  // It must be cheap and must not call back into the querier.
  virtual void async_query(const Question& question, Deadline deadline, Callback done) = 0;

  // The answer when it is known at once (a cached answer, a local zone's), without starting a
  // lookup; nullopt when the question must be asked. Callers that ask many questions (dns::Batch)
  // try it first: no callback is made for an answer already known.
  virtual std::optional<Answer> answer_now(const Question&) { return std::nullopt; }

  // A hint that answer_now() is about to be asked for these questions: a cache may start loading
  // where their answers are, so that the lookups' memory waits overlap instead of following one
  // another. Never required; by default nothing.
  virtual void prefetch(std::span<const Question>) {}
};

}  // namespace dyn::dns
