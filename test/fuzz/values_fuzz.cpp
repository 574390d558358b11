// libFuzzer target: the single values an operator or the network hands us. The first byte picks
// the parser, the rest is its text. Each parser must refuse or accept, never crash or hang; what it
// accepts must print back to a text that parses to the same value (the config and --print-config
// rely on that), and a reply template that fits must give a valid SMTP reply whatever the values.
// TCP length framing: the framed message found in any byte stream lies inside it.
#include "dns/server_address.hpp"
#include "dns/wire.hpp"
#include "dnsbl/zone_spec.hpp"
#include "net/cidr.hpp"
#include "net/ip_address.hpp"
#include "net/reverse.hpp"
#include "smtp/reply.hpp"
#include "util/duration.hpp"

#include "require.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

using namespace dyn;

namespace {

void address(std::string_view text) {
  const auto ip = net::IpAddress::parse(text);
  if (!ip) return;
  require(net::IpAddress::parse(ip->to_string()) == ip);
  require(!net::reversed_label(*ip).empty());
}

void cidr(std::string_view text) {
  std::string why;
  const auto c = net::Cidr::parse(text, &why);
  if (!c) {
    require(!why.empty());
    return;
  }
  require(net::Cidr::parse(c->to_string()) == c);
  require(c->contains(c->network()));
}

void server(std::string_view text) {
  const auto s = dns::ServerAddress::parse(text);
  if (s) require(dns::ServerAddress::parse(s->to_string()) == s);
}

void duration(std::string_view text) {
  const auto d = util::Duration::parse(text);
  if (d) require(util::Duration::parse(d->to_string()) == d);
}

void zone_spec(std::string_view text) {
  std::string why;
  const auto z = dnsbl::ZoneSpec::parse(text, &why);
  if (!z) {
    require(!why.empty());
    return;
  }
  require(dnsbl::ZoneSpec::parse(z->to_string(), &why) == z);
  (void)z->safe_name();
  (void)dnsbl::safe_spec(text);
  if (z->filter) (void)z->filter->matches(*net::IpAddress::parse("127.0.0.2"));
}

void reply_code(std::string_view text) {
  std::string why;
  const auto c = smtp::ReplyCode::parse(text, &why);
  if (c) require(smtp::ReplyCode::parse(c->to_string(), &why) == c);
}

// The text up to the first NUL is the template; the rest are values for its placeholders. A
// template that fits gives a valid reply with any non-empty values (decide() falls back to the
// built-in text when one renders empty, and the session target checks that its reply is valid).
void reply_template(std::string_view text) {
  const auto nul = text.find('\0');
  std::string why;
  const auto t = smtp::ReplyTemplate::parse(text.substr(0, nul), &why);
  if (!t) return;
  std::map<std::string, std::string> values;
  std::string_view rest = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
  for (const auto& name : smtp::ReplyTemplate::placeholders()) {
    const auto cut = rest.find('\0');
    values[name] = std::string(rest.substr(0, cut));
    if (values[name].empty()) values[name] = "x";  // the daemon's values are never empty ({list}: see decide)
    rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  }
  for (const std::size_t limit : smtp::kReplyValueLimits) {
    const std::string rendered = t->render(values, limit);
    if (t->fits(limit, &why)) require(smtp::SmtpReply::make("550", "5.7.1", rendered, &why).has_value());
  }
}

void tcp_framing(std::string_view text) {
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  const auto message = dns::wire::first_framed_message(bytes);
  if (!message) {
    require(bytes.size() < 2 || bytes.size() - 2 < ((std::size_t{bytes[0]} << 8) | bytes[1]));
    return;
  }
  require(message->data() == bytes.data() + 2 && message->size() + 2 <= bytes.size());
  std::string why;
  (void)dns::wire::decode_reply(message->data(), message->size(), &why);
  const std::vector<std::uint8_t> copy(message->begin(), message->end());
  const auto framed = dns::wire::frame_for_tcp(copy);
  if (copy.empty()) {
    require(framed.empty());
    return;
  }
  const auto again = dns::wire::first_framed_message(framed);
  require(again && again->size() == copy.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: address(text); break;
    case 1: cidr(text); break;
    case 2: server(text); break;
    case 3: duration(text); break;
    case 4: zone_spec(text); break;
    case 5: reply_code(text); break;
    case 6: reply_template(text); break;
    case 7: tcp_framing(text); break;
  }
  return 0;
}
