// The command-line-only options of each program, and the tools' own (see tool_options.cpp).
#pragma once

#include "options/options.hpp"

#include <boost/program_options.hpp>

#include <vector>

namespace dyn::config {

// --help, --version, --config, --print-config, --sample-config, and the tool's own, into `desc`.
void add_cli_only(boost::program_options::options_description& desc, Invocation& inv, unsigned scope);
// The tool's own options of this scope, as --help and the man-page test list them.
const std::vector<OptionInfo>& tool_options(unsigned scope);

}  // namespace dyn::config
