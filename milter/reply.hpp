// Verdict -> what libmilter returns: the one place that names SMFIS_* for a decision.
#pragma once

#include "policy/policy.hpp"

#include <libmilter/mfapi.h>

namespace dyn::milter {

sfsistat enforce(SMFICTX* ctx, const policy::Verdict* verdict);

}  // namespace dyn::milter
