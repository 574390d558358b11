// libFuzzer target: one SMTP session as the milter sees it, from outside input only. A macro
// packet (through the same guard the daemon puts in front of libmilter), the CONNECT host name
// and address, HELO, the DNS answers to every question the transaction asks (any status, any
// records, any TTL) and a recipient. Never a crash or hang; always a valid SMTP reply; and when
// every DNS lookup failed and the MTA knew nothing about the client's name, never a rejection
// (broken DNS never rejects mail). FUZZ_SHOW=1 prints each verdict's log line.
#include "options/options.hpp"
#include "milterproto/macro_packet.hpp"
#include "policy/transaction.hpp"
#include "rdns/facts.hpp"

#include "require.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

using namespace dyn;

namespace {

std::shared_ptr<const config::Config> fuzz_config() {
  static const auto config = [] {
    const std::string rules = std::string(DYNMILTER_SOURCE_DIR) + "/rules/providers.rules";
    const char* argv[] = {"fuzz",
                          "--rules",
                          rules.c_str(),
                          "--dns-server",
                          "127.0.0.1:9",
                          "--dnsbl",
                          "pbl.test=127.0.0.[10..11]*3",
                          "--dnsbl",
                          "any.test*2",
                          "--dnsbl",
                          "white.test*-2",
                          "--bypass-recipient",
                          "@bypass.example"};
    auto inv = config::parse_invocation(sizeof argv / sizeof *argv, argv, config::kDaemon);
    return std::make_shared<const config::Config>(inv.config);
  }();
  return config;
}

// Answers each question at once from the fuzz input: in failure mode only with failures.
class FuzzQuerier : public dns::Querier {
 public:
  FuzzQuerier(FuzzedDataProvider& in, std::string client, bool failures_only)
      : in_(in), client_(std::move(client)), failures_only_(failures_only) {}

  void async_query(const dns::Question& question, dns::Deadline, Callback done) override {
    if (failures_only_) {
      static constexpr dns::Status kFailures[] = {dns::Status::ServFail, dns::Status::Refused, dns::Status::Timeout,
                                                  dns::Status::Malformed, dns::Status::NetworkError};
      return done(dns::Answer::failure(in_.PickValueInArray(kFailures), "fuzz"));
    }
    dns::Answer a;
    a.status = static_cast<dns::Status>(in_.ConsumeIntegralInRange<int>(0, 7));
    a.negative_ttl = in_.ConsumeIntegral<std::uint32_t>();
    const int n = a.status == dns::Status::Ok ? in_.ConsumeIntegralInRange<int>(0, 3) : 0;
    for (int i = 0; i < n; ++i) {
      static const char* kValues[] = {"127.0.0.2",       "127.0.0.10", "127.0.0.11",  "127.255.255.252",
                                      "127.255.255.254", "192.0.2.1",  "2001:db8::1", "dsl-1-2-3-4.pool.example",
                                      "mail.example"};
      std::string value = in_.ConsumeBool()   ? in_.ConsumeRandomLengthString(80)
                          : in_.ConsumeBool() ? client_
                                              : std::string(in_.PickValueInArray(kValues));
      a.records.push_back(dns::Record{question.type, in_.ConsumeIntegral<std::uint32_t>(), std::move(value)});
    }
    done(std::move(a));
  }

 private:
  FuzzedDataProvider& in_;
  std::string client_;
  bool failures_only_;
};

// The name/value pairs of a macro packet that the guard let through, as libmilter would see them.
std::map<std::string, std::string> macros_of(const std::string& packet) {
  const auto checked = milterproto::check_macro_packet(packet);
  require(checked.keep <= packet.size());
  const std::string kept = packet.substr(0, checked.keep);
  require(kept.empty() || milterproto::check_macro_packet(kept).intact());
  std::map<std::string, std::string> out;
  std::size_t at = kept.empty() ? 0 : 1;  // the stage byte
  while (at < kept.size()) {
    const auto name_end = kept.find('\0', at);
    require(name_end != std::string::npos);
    const auto value_end = kept.find('\0', name_end + 1);
    require(value_end != std::string::npos);  // the guard keeps whole pairs only
    out[kept.substr(at, name_end - at)] = kept.substr(name_end + 1, value_end - name_end - 1);
    at = value_end + 1;
  }
  return out;
}

std::optional<std::string> find(const std::map<std::string, std::string>& m, const char* name) {
  const auto it = m.find(name);
  return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto macros = macros_of(in.ConsumeRandomLengthString(300));
  const std::string hostname = in.ConsumeRandomLengthString(80);
  static const char* kClients[] = {"203.0.113.7", "2001:db8::7", "::ffff:198.51.100.9", "10.1.2.3", "127.0.0.1"};
  const std::string client = in.ConsumeBool() ? in.ConsumeRandomLengthString(50) : in.PickValueInArray(kClients);
  const bool failures_only = in.ConsumeBool();

  const rdns::RdnsMacros m{find(macros, "{client_name}"), find(macros, "{client_ptr}"),
                           find(macros, "{client_resolve}"), hostname};
  policy::ClientFacts facts{net::IpAddress::parse(client), hostname, rdns::from_macros(m)};
  facts.id = "fuzz";
  const auto mta_said = facts.rdns.status;

  FuzzQuerier querier(in, client, failures_only);
  policy::Transaction t(fuzz_config(), facts, querier);
  t.helo(in.ConsumeRandomLengthString(80), querier);
  const auto& v = t.verdict();

  if (v.reply) require(smtp::SmtpReply::make(v.reply->code, v.reply->xcode, v.reply->text, nullptr).has_value());
  if (v.action != policy::Action::Accept) require(v.reply.has_value());
  if (std::getenv("FUZZ_SHOW")) std::fprintf(stderr, "%s\n", policy::log_line(t.facts(), v, 1.0, 1.0).c_str());
  // The MTA knew no name (no usable macros, CONNECT host "unknown" or a literal) and DNS failed:
  // nothing is known against the client.
  const bool no_name = hostname.empty() || hostname == "unknown" || hostname.front() == '[';
  if (failures_only && no_name && (mta_said == rdns::RdnsStatus::Unknown || mta_said == rdns::RdnsStatus::TempFail))
    require(v.action != policy::Action::Reject);
  (void)policy::log_line(t.facts(), v, 1.0, 1.0);
  (void)policy::tag_header(t.facts(), v, t.config().threshold);
  (void)policy::reason_text(t.facts(), v);

  const std::string rcpt = find(macros, "{rcpt_addr}").value_or(in.ConsumeRemainingBytesAsString());
  (void)policy::exempt_recipient(t.config(), rcpt);
  return 0;
}
