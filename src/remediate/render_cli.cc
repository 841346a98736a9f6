// The plan as a POSIX shell script of `aws` commands.
#include <fmt/format.h>

#include "remediate/render.h"

namespace vigil::remediate {

namespace {

// The shell variable holding a step's response field: "alerts_topic_arn".
std::string VarName(const Plan& plan, int step) {
  std::string base = SnakeName(plan.steps[step].key);
  return base + "_arn";
}

// The environment variable of a parameter: NotificationEmail -> NOTIFICATION_EMAIL.
std::string EnvName(std::string_view param) {
  std::string out;
  for (size_t i = 0; i < param.size(); ++i) {
    char c = param[i];
    if (c >= 'A' && c <= 'Z' && i > 0) out += '_';
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

// Characters that may appear inside "${VAR:?message}" without ending or expanding it.
std::string PlainMessage(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '$' || c == '`' || c == '\\' || c == '}' ||
        static_cast<unsigned char>(c) < 0x20) {
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderCli(const Plan& plan) {
  std::string o = "#!/bin/sh\n";
  for (const auto& line : HeaderLines(plan)) o += "# " + line + "\n";
  o += "#\n# Review, then run with credentials for account " + CommentSafe(plan.account_id) +
       ". Each command is\n# one AWS API call; none deletes anything.\n";
  o += "set -eu\n";
  if (!plan.parameters.empty()) {
    o += "\n# Values to choose: set these environment variables before running.\n";
    for (const auto& p : plan.parameters) {
      std::string env = EnvName(p.name);
      o += fmt::format(": \"${{{}:?set {} to {}}}\"\n", env, env, PlainMessage(p.description));
    }
  }
  auto ref = [&](const Value& v) { return "\"$" + VarName(plan, v.step) + "\""; };
  auto param = [&](const Value& v) { return "\"$" + EnvName(v.text) + "\""; };
  // Which steps' responses later steps need.
  std::vector<std::string> capture(plan.steps.size());
  std::function<void(const Value&)> scan = [&](const Value& v) {
    if (v.kind == Value::Kind::kRef && v.step >= 0 &&
        static_cast<size_t>(v.step) < plan.steps.size()) {
      capture[v.step] = v.text;
    }
    for (const auto& i : v.items) scan(i);
    for (const auto& [k, m] : v.members) scan(m);
  };
  for (const auto& s : plan.steps) scan(s.params);
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    std::string rules;
    for (const auto& r : s.rules) rules += (rules.empty() ? "" : ", ") + r;
    o += fmt::format("\n# {}. [{}] {}\n", i + 1, CommentSafe(rules), CommentSafe(s.reason));
    if (s.operation == "UpdateTrail" && i > 0 && plan.steps[i - 1].service == "iam") {
      o += "# A new IAM role takes a few seconds to reach CloudTrail.\nsleep 10\n";
    }
    CliWords w = CliCommand(s, ref, param);
    if (!capture[i].empty()) {
      w.groups.push_back({"--query", ShellQuote(capture[i])});
      w.groups.push_back({"--output", "text"});
    }
    std::string line = capture[i].empty()
                           ? w.Join(true)
                           : VarName(plan, static_cast<int>(i)) + "=$(" + w.Join(true) + ")";
    o += line + "\n";
    if (!capture[i].empty()) {
      o += fmt::format("echo \"{}: ${}\"\n", capture[i], VarName(plan, static_cast<int>(i)));
    }
  }
  bool confirm = false;
  for (const auto& r : plan.rules) confirm |= r.needs_confirmation;
  if (confirm) {
    o += "\necho 'Done. AWS has sent a confirmation request to the new subscriber: the alarms "
         "reach it once it is confirmed.'\n";
  } else if (!plan.steps.empty()) {
    o += "\necho 'Done.'\n";
  }
  return o;
}

}  // namespace vigil::remediate
