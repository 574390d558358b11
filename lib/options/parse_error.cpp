#include "options/parse_error.hpp"

#include <map>

namespace dyn::config {

namespace po = boost::program_options;

namespace {

// Reads the placeholders' values of any error_with_option_name (they are protected members).
struct Substitutions : po::error_with_option_name {
  static const std::map<std::string, std::string>& of(const po::error_with_option_name& e) {
    return e.*(&Substitutions::m_substitutions);
  }
};

// "\%" for each '%': then no value can spell a placeholder, whose closing '%' never follows '\'.
std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string describe(const po::error& e) {
  const auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
  if (named == nullptr) return e.what();
  po::error_with_option_name safe = *named;
  for (const auto& [name, value] : Substitutions::of(*named))
    if (value.find('%') != std::string::npos) safe.set_substitute(name, escape(value));
  return safe.what();
}

}  // namespace dyn::config
