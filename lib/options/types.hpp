// Boost.Program_options glue for the project's strong types: each option value is parsed once,
// here, into its type (architecture habit 7), and printed back by show() for --print-config.
// The validate() overloads live in each type's namespace so Boost finds them by ADL.
#pragma once

#include "config/config.hpp"
#include "util/log.hpp"

#include <boost/any.hpp>

#include <string>
#include <vector>

namespace dyn::dnsbl {
void validate(boost::any& out, const std::vector<std::string>& values, ZoneSpec*, int);
}
namespace dyn::localzone {
void validate(boost::any& out, const std::vector<std::string>& values, Spec*, int);
}
namespace dyn::net {
void validate(boost::any& out, const std::vector<std::string>& values, Cidr*, int);
}
namespace dyn::dns {
void validate(boost::any& out, const std::vector<std::string>& values, ServerAddress*, int);
}
namespace dyn::util {
void validate(boost::any& out, const std::vector<std::string>& values, Duration*, int);
void validate(boost::any& out, const std::vector<std::string>& values, ByteSize*, int);
}  // namespace dyn::util
namespace dyn::smtp {
void validate(boost::any& out, const std::vector<std::string>& values, ReplyTemplate*, int);
}
namespace dyn::log {
void validate(boost::any& out, const std::vector<std::string>& values, Level*, int);
}
namespace dyn::config {
void validate(boost::any& out, const std::vector<std::string>& values, DnsErrorAction*, int);
}
namespace dyn::config {
void validate(boost::any& out, const std::vector<std::string>& values, PolicyAction*, int);
}
namespace dyn::config {
void validate(boost::any& out, const std::vector<std::string>& values, ActionFor*, int);
}
namespace dyn::smtp {
void validate(boost::any& out, const std::vector<std::string>& values, ReplyCode*, int);
}
namespace dyn::config {
void validate(boost::any& out, const std::vector<std::string>& values, WeightSetting*, int);
}
namespace dyn::config {
void validate(boost::any& out, const std::vector<std::string>& values, ClassSetting*, int);
}

namespace dyn::config {

std::string show(const std::string& v);
std::string show(bool v);
std::string show(int v);
std::string show(const util::Duration& v);
std::string show(const util::ByteSize& v);
std::string show(const dnsbl::ZoneSpec& v);
std::string show(const net::Cidr& v);
std::string show(const localzone::Spec& v);
std::string show(const dns::ServerAddress& v);
std::string show(const smtp::ReplyTemplate& v);
std::string show(log::Level v);
std::string show(DnsErrorAction v);
std::string show(PolicyAction v);
std::string show(const WeightSetting& v);
std::string show(const ClassSetting& v);
std::string show(const ActionFor& v);
std::string show(const smtp::ReplyCode& v);

}  // namespace dyn::config
