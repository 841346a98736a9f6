// Applying a remediation plan through vigil's AWS client: the very calls the renderers print,
// in order, with each step's references resolved from the responses of the steps before it.
#ifndef VIGIL_REMEDIATE_APPLY_H_
#define VIGIL_REMEDIATE_APPLY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "base/json_value.h"
#include "remediate/plan.h"

namespace vigil::remediate {

struct StepOutcome {
  bool done = false;
  std::string error;  // the AWS error, when the call failed; "" otherwise
  Json response;      // the call's response (JSON, or the query result element)
};

struct ApplyResult {
  std::vector<StepOutcome> steps;  // one per step attempted, in order; later steps not attempted
  int failed_step = -1;            // index of the step that failed, or -1
  bool ok() const { return failed_step < 0; }
};

// The request body of `step`: the parameter tree as JSON, with references to earlier steps'
// responses and the user's parameters filled in. An unresolved reference or a missing
// parameter is an error naming it.
StatusOr<Json> BuildRequest(const Step& step, const std::vector<StepOutcome>& earlier,
                            const std::map<std::string, std::string>& parameters);

// Sends the plan's calls in order and stops at the first failure (a later step may depend on
// it). `on_step` is called after each call. The plan must have every Parameter supplied in
// `parameters`; check with MissingParameters first. UpdateTrail after the plan's own CreateRole
// is retried up to 6 times, `retry_seconds` apart, while CloudTrail does not yet accept the role.
ApplyResult Apply(const Plan& plan, aws::Client& client,
                  const std::map<std::string, std::string>& parameters,
                  const std::function<void(int, const Step&, const StepOutcome&)>& on_step,
                  int retry_seconds = 10);

// The plan's parameters that `parameters` does not supply.
std::vector<std::string> MissingParameters(const Plan& plan,
                                           const std::map<std::string, std::string>& parameters);

}  // namespace vigil::remediate

#endif  // VIGIL_REMEDIATE_APPLY_H_
