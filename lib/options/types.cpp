#include "options/types.hpp"

#include "policy/signal.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

namespace po = boost::program_options;

namespace dyn {

namespace {
// The operator's text goes in as substitutions, never into the template, so that Boost does not
// read placeholders in it (config::describe() escapes substitutions that contain '%').
[[noreturn]] void bad(const std::string& text, const std::string& why) {
  po::error_with_option_name e("invalid value '%bad_value%' for %canonical_option%: %reason%");
  e.set_substitute("bad_value", text);
  e.set_substitute("reason", why);
  throw e;
}
const std::string& single(const std::vector<std::string>& values) { return po::validators::get_single_string(values); }
}  // namespace

// Parses the option's one value with `parse(text, &why)`; a failure becomes Boost's error.
template <class Parse>
void validate_with(boost::any& out, const std::vector<std::string>& values, Parse parse) {
  const auto& s = single(values);
  std::string why;
  auto v = parse(s, &why);
  if (!v) bad(s, why);
  out = *v;
}

void dnsbl::validate(boost::any& out, const std::vector<std::string>& values, ZoneSpec*, int) {
  const auto& s = single(values);
  std::string why;
  auto v = ZoneSpec::parse(s, &why);
  if (!v) bad(safe_spec(s), why);  // the value may carry an access key: never echo it
  out = *v;
}

void localzone::validate(boost::any& out, const std::vector<std::string>& values, Spec*, int) {
  validate_with(out, values, &Spec::parse);
}

void net::validate(boost::any& out, const std::vector<std::string>& values, Cidr*, int) {
  validate_with(out, values, &Cidr::parse);
}

void dns::validate(boost::any& out, const std::vector<std::string>& values, ServerAddress*, int) {
  const auto& s = single(values);
  auto v = ServerAddress::parse(s);
  if (!v) bad(s, "want ADDRESS, ADDRESS:PORT or [IPV6]:PORT");
  out = *v;
}

void util::validate(boost::any& out, const std::vector<std::string>& values, Duration*, int) {
  const auto& s = single(values);
  auto v = Duration::parse(s);
  if (!v) bad(s, "want a duration such as 5s, 1500ms or 2.5 (seconds)");
  out = *v;
}

void util::validate(boost::any& out, const std::vector<std::string>& values, ByteSize*, int) {
  const auto& s = single(values);
  auto v = ByteSize::parse(s);
  if (!v) bad(s, "want a size such as 1G, 512M, 64K or a number of bytes");
  out = *v;
}

void smtp::validate(boost::any& out, const std::vector<std::string>& values, ReplyTemplate*, int) {
  validate_with(out, values, &ReplyTemplate::parse);
}

void log::validate(boost::any& out, const std::vector<std::string>& values, Level*, int) {
  const auto& s = single(values);
  for (auto l : {Level::Error, Level::Warning, Level::Notice, Level::Info, Level::Debug})
    if (config::show(l) == s) {
      out = l;
      return;
    }
  bad(s, "want error, warning, notice, info or debug");
}

void config::validate(boost::any& out, const std::vector<std::string>& values, DnsErrorAction*, int) {
  const auto& s = single(values);
  if (s == "accept")
    out = DnsErrorAction::Accept;
  else if (s == "tempfail")
    out = DnsErrorAction::Tempfail;
  else
    bad(s, "want accept or tempfail");
}

// Signal names are checked against the sources' declarations (policy/signal.hpp).
void config::validate(boost::any& out, const std::vector<std::string>& values, WeightSetting*, int) {
  validate_with(out, values, &policy::parse_weight_setting);
}

void config::validate(boost::any& out, const std::vector<std::string>& values, ClassSetting*, int) {
  validate_with(out, values, &policy::parse_class_setting);
}

void config::validate(boost::any& out, const std::vector<std::string>& values, PolicyAction*, int) {
  const auto& s = single(values);
  if (auto a = parse_action(s))
    out = *a;
  else
    bad(s, "want reject, tempfail, tag or log");
}

void config::validate(boost::any& out, const std::vector<std::string>& values, ActionFor*, int) {
  const auto& s = single(values);
  std::string why;
  auto v = ActionFor::parse(s, &why);
  if (!v) bad(dnsbl::safe_spec(s), why);  // KEY may be a zone with an access key: never echo it
  out = *v;
}

void smtp::validate(boost::any& out, const std::vector<std::string>& values, ReplyCode*, int) {
  validate_with(out, values, &ReplyCode::parse);
}

namespace config {

std::optional<ActionFor> ActionFor::parse(std::string_view text, std::string* error) {
  const auto eq = text.rfind('=');
  std::optional<PolicyAction> a;
  if (eq != std::string_view::npos) a = parse_action(text.substr(eq + 1));
  if (eq == std::string_view::npos || eq == 0 || !a) {
    if (error) *error = "want KEY=reject|tempfail|tag|log";
    return std::nullopt;
  }
  return ActionFor{std::string(text.substr(0, eq)), *a};
}

std::string ActionFor::to_string() const { return key + "=" + std::string(config::to_string(action)); }

std::string show(PolicyAction v) { return std::string(to_string(v)); }
std::string show(const ActionFor& v) { return v.to_string(); }
std::string show(const localzone::Spec& v) { return v.to_string(); }
std::string show(const smtp::ReplyCode& v) { return v.to_string(); }

std::string show(const WeightSetting& v) { return v.to_string(); }
std::string show(const ClassSetting& v) { return v.to_string(); }
std::string show(const std::string& v) { return v; }
std::string show(bool v) { return v ? "true" : "false"; }
std::string show(int v) { return std::to_string(v); }
std::string show(const util::Duration& v) { return v.to_string(); }
std::string show(const util::ByteSize& v) { return v.to_string(); }
std::string show(const dnsbl::ZoneSpec& v) { return v.to_string(); }
std::string show(const net::Cidr& v) { return v.to_string(); }
std::string show(const dns::ServerAddress& v) { return v.to_string(); }
std::string show(const smtp::ReplyTemplate& v) { return v.text(); }
std::string show(log::Level v) {
  switch (v) {
    case log::Level::Error: return "error";
    case log::Level::Warning: return "warning";
    case log::Level::Notice: return "notice";
    case log::Level::Info: return "info";
    case log::Level::Debug: return "debug";
  }
  return "?";
}
std::string show(DnsErrorAction v) {
  switch (v) {
    case DnsErrorAction::Accept: return "accept";
    case DnsErrorAction::Tempfail: return "tempfail";
  }
  return "?";
}

}  // namespace config
}  // namespace dyn
