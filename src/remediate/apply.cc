#include "remediate/apply.h"

#include <chrono>
#include <thread>

#include "aws/config.h"

namespace vigil::remediate {
namespace {

// A response field by a dotted path ("Role.Arn").
const Json* Field(const Json& response, const std::string& path) {
  const Json* at = &response;
  size_t start = 0;
  while (at && start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    at = at->Get(path.substr(start, dot - start));
    start = dot + 1;
  }
  return at;
}

StatusOr<Json> ToJson(const Value& v, const std::vector<StepOutcome>& earlier,
                      const std::map<std::string, std::string>& parameters) {
  switch (v.kind) {
    case Value::Kind::kString: return Json(v.text);
    case Value::Kind::kNumber: return Json::NumberText(v.text);
    case Value::Kind::kBool: return Json(v.boolean);
    case Value::Kind::kList: {
      Json a = Json::Array();
      for (const Value& item : v.items) {
        StatusOr<Json> j = ToJson(item, earlier, parameters);
        if (!j.ok()) return j.status();
        a.Push(std::move(*j));
      }
      return a;
    }
    case Value::Kind::kObject: {
      Json o = Json::Object();
      for (const auto& [name, item] : v.members) {
        StatusOr<Json> j = ToJson(item, earlier, parameters);
        if (!j.ok()) return j.status();
        o.Set(name, std::move(*j));
      }
      return o;
    }
    case Value::Kind::kRef: {
      if (v.step < 0 || static_cast<size_t>(v.step) >= earlier.size() ||
          !earlier[v.step].done) {
        return Internal("the plan refers to step " + std::to_string(v.step + 1) +
                        ", which has not run");
      }
      const Json* f = Field(earlier[v.step].response, v.text);
      if (f && f->is_string() && !f->text().empty()) return *f;
      if (!v.known.empty()) return Json(v.known);
      return InvalidArgument("step " + std::to_string(v.step + 1) + " answered without " +
                             v.text);
    }
    case Value::Kind::kParam: {
      auto it = parameters.find(v.text);
      if (it == parameters.end()) return InvalidArgument("no value for the parameter " + v.text);
      return Json(it->second);
    }
  }
  return Internal("unknown value kind");
}

// Whether a step before `index` creates an IAM role.
bool CreatedRole(const Plan& plan, size_t index) {
  for (size_t i = 0; i < index; ++i) {
    if (plan.steps[i].service == "iam" && plan.steps[i].operation == "CreateRole") return true;
  }
  return false;
}

}  // namespace

StatusOr<Json> BuildRequest(const Step& step, const std::vector<StepOutcome>& earlier,
                            const std::map<std::string, std::string>& parameters) {
  return ToJson(step.params, earlier, parameters);
}

std::vector<std::string> MissingParameters(const Plan& plan,
                                           const std::map<std::string, std::string>& parameters) {
  std::vector<std::string> out;
  for (const Parameter& p : plan.parameters) {
    if (!parameters.count(p.name)) out.push_back(p.name);
  }
  return out;
}

ApplyResult Apply(const Plan& plan, aws::Client& client,
                  const std::map<std::string, std::string>& parameters,
                  const std::function<void(int, const Step&, const StepOutcome&)>& on_step,
                  int retry_seconds) {
  ApplyResult result;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    StepOutcome outcome;
    StatusOr<Json> request = BuildRequest(step, result.steps, parameters);
    const aws::ServiceInfo* service = aws::FindService(step.service);
    if (!request.ok()) {
      outcome.error = request.status().message();
    } else if (service == nullptr) {
      outcome.error = "vigil cannot call the service '" + step.service + "'";
    } else {
      auto call = [&] {
        return service->protocol == aws::Protocol::kJson
                   ? client.CallJson(step.service, step.region, step.operation, *request)
                   : client.CallQuery(step.service, step.region, step.operation,
                                      aws::ToQueryParams(*request, service->protocol));
      };
      aws::AwsResult<Json> r = call();
      // A role created moments ago takes a few seconds to reach CloudTrail through IAM; until
      // then UpdateTrail refuses it. Wait for it (up to about a minute), as the script does.
      for (int wait = 0; !r.ok() && wait < 6 && step.operation == "UpdateTrail" &&
                         r.error.code.starts_with("InvalidCloudWatchLogs") && CreatedRole(plan, i);
           ++wait) {
        std::this_thread::sleep_for(std::chrono::seconds(retry_seconds));
        r = call();
      }
      if (r.ok()) {
        outcome.done = true;
        outcome.response = std::move(*r.value);
      } else {
        outcome.error = r.error.ToString();
      }
    }
    result.steps.push_back(std::move(outcome));
    if (on_step) on_step(static_cast<int>(i), step, result.steps.back());
    if (!result.steps.back().done) {
      result.failed_step = static_cast<int>(i);
      break;
    }
  }
  return result;
}

}  // namespace vigil::remediate
