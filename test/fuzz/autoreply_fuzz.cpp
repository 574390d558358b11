// libFuzzer target: any bytes as the message to a bypass address and as its envelope sender,
// through dynmilter-autoreply's parsers: the header, the "do not answer" rules, the connecting
// address, the reply's recipient and its rate-limit key, and the reply itself. Never a crash or a
// hang; a recipient the parser lets through is one plain address that sendmail cannot read as an
// option, and what it lets through and its key are stable.
#include "autoreply/address.hpp"
#include "autoreply/autoreply.hpp"

#include "require.hpp"

#include <string>
#include <string_view>

using namespace dyn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first line is the envelope sender, the rest the message.
  const auto nl = text.find('\n');
  const std::string_view sender = text.substr(0, nl);
  const std::string_view message_text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

  const auto message = autoreply::parse_header(message_text);
  require(message.fields.size() <= 1000);
  for (const auto& [name, value] : message.fields) {
    require(!name.empty());
    require(name.find(':') == std::string::npos);
    require(value.size() <= 16384 + 8192);
  }
  const auto why = autoreply::reason_not_to_reply(sender, message);
  (void)autoreply::connecting_address(message, {"mx.test.example"});
  (void)autoreply::connecting_address(message, {});

  const auto to = autoreply::reply_address(sender);
  if (to) {
    require(!to->empty() && to->size() <= 254);
    require(to->front() != '-');
    for (const char c : *to) require(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f);
    require(to->find('@') != std::string::npos);
    require(autoreply::reply_address(*to) == to);  // stable
    const auto key = autoreply::rate_key(*to);
    require(autoreply::rate_key(key) == key);  // one spelling
    require(key.size() <= to->size());
    (void)autoreply::unanswerable_address(*to);
    if (why.empty()) {  // answered: the reply names only that recipient, on one To line
      const auto reply = autoreply::compose("help@example.org", *to, message, "body");
      require(reply.find("\nTo: " + *to + "\n") != std::string::npos);
      require(reply.find("\nAuto-Submitted: auto-replied\n") != std::string::npos);
    }
  } else {
    require(!why.empty());  // what is not one plain address is never answered
  }
  return 0;
}
