#pragma once
// Welch's t-test for two samples of unequal variance, with the Welch–Satterthwaite degrees of
// freedom (SciPy's ttest_ind(control, canary, equal_var=False)): t > 0 when the control's
// mean is the larger.
#include "setpoint/base/result.hpp"
#include "setpoint/stats/sample.hpp"

namespace setpoint::stats {

struct Welch {
  double t = 0, p = 1, df = 0;  // p is two-sided
};

// An error says why the test is not defined: a sample of one value (no variance), or both
// samples constant.
Result<Welch> welch(const Sample& control, const Sample& canary);

}  // namespace setpoint::stats
