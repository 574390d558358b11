// The message of a Boost.Program_options error, safe with any input.
// Boost builds its messages by replacing %name% placeholders until none is left, so a value that
// contains its own placeholder ("threshold = %value%") made what() loop forever while the message
// grew without bound: a hang at start and at every reload (found by fuzzing the config).
#pragma once

#include <boost/program_options/errors.hpp>

#include <string>

namespace dyn::config {

std::string describe(const boost::program_options::error& e);

}  // namespace dyn::config
