// libFuzzer target: any bytes as a DNS reply. The decoder must refuse or decode, never crash,
// hang or leak; a decoded answer must survive the cache (encode, decode) unchanged.
#include "dns/cache.hpp"
#include "dns/wire.hpp"

#include <cstdlib>

using namespace dyn::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  auto reply = wire::decode_reply(data, size, &why);
  if (!reply) return 0;
  static Cache cache(
      CacheOptions{1000, std::chrono::seconds(60), std::chrono::seconds(3600), std::chrono::seconds(5), 1});
  cache.put(reply->question, reply->answer);
  if (auto back = cache.get(reply->question)) {
    if (back->status != reply->answer.status || back->records.size() != reply->answer.records.size()) std::abort();
  }
  return 0;
}
