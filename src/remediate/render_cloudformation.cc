// The plan as a CloudFormation template (YAML).
#include <map>
#include <set>

#include <fmt/format.h>

#include "remediate/render.h"

namespace vigil::remediate {

namespace {

std::string Capitalized(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

struct Resource {
  int step = -1;
  std::string id, type;
  Value props = Value::Object();
};

class CfnWriter {
 public:
  explicit CfnWriter(const Plan& plan) : plan_(plan) {}
  std::string Render();

 private:
  bool InTemplate(const Step& s) const;
  std::string Scalar(const Value& v) const;
  void Emit(std::string& o, const Value& v, int indent) const;
  std::string UniqueId(std::string base) {
    std::string id = base;
    for (int i = 2; ids_.count(id); ++i) id = fmt::format("{}{}", base, i);
    ids_.insert(id);
    return id;
  }

  const Plan& plan_;
  std::map<int, std::string> logical_;          // step -> logical id
  std::map<std::string, std::string> log_groups_;  // created log group name -> logical id
  std::set<std::string> ids_;
};

bool CfnWriter::InTemplate(const Step& s) const { return DeclaredByTemplate(plan_, s); }

std::string CfnWriter::Scalar(const Value& v) const {
  switch (v.kind) {
    case Value::Kind::kString: return YamlQuote(v.text);
    case Value::Kind::kNumber: return v.text;
    case Value::Kind::kBool: return v.boolean ? "true" : "false";
    case Value::Kind::kParam: return "!Ref " + v.text;
    case Value::Kind::kRef: {
      auto it = logical_.find(v.step);
      if (it == logical_.end()) return YamlQuote(v.known);
      if (plan_.steps[v.step].operation == "CreateRole") return "!GetAtt " + it->second + ".Arn";
      return "!Ref " + it->second;  // a topic's Ref is its ARN
    }
    default: return "";
  }
}

void CfnWriter::Emit(std::string& o, const Value& v, int indent) const {
  std::string pad(indent, ' ');
  for (const auto& [k, x] : v.members) {
    if (x.kind == Value::Kind::kObject) {
      o += pad + k + ":\n";
      Emit(o, x, indent + 2);
    } else if (x.kind == Value::Kind::kList) {
      if (x.items.empty()) {
        o += pad + k + ": []\n";
        continue;
      }
      o += pad + k + ":\n";
      for (const auto& item : x.items) {
        if (item.kind == Value::Kind::kObject) {
          std::string inner;
          Emit(inner, item, indent + 4);
          // "- " takes the place of the first member's indentation.
          o += pad + "  - " + inner.substr(indent + 4);
        } else {
          o += pad + "  - " + Scalar(item) + "\n";
        }
      }
    } else {
      o += pad + k + ": " + Scalar(x) + "\n";
    }
  }
}

std::string CfnWriter::Render() {
  std::vector<Resource> resources;
  std::vector<int> outside;
  std::map<std::string, size_t> roles;  // role name -> index in resources
  // Logical ids first, so that references can be written in any order.
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    if (!InTemplate(s)) continue;
    if (s.operation == "PutRolePolicy" && roles.count(s.params.GetString("RoleName"))) continue;
    std::string base = CamelName(s.key);
    if (s.operation == "PutMetricFilter") base += "Filter";
    logical_[static_cast<int>(i)] = UniqueId(base);
    if (s.operation == "CreateLogGroup") {
      log_groups_[s.params.GetString("logGroupName")] = logical_[static_cast<int>(i)];
    }
    if (s.operation == "CreateRole") roles[s.params.GetString("RoleName")] = 0;
  }
  roles.clear();
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    if (!InTemplate(s)) {
      outside.push_back(static_cast<int>(i));
      continue;
    }
    const std::string& op = s.operation;
    if (op == "PutRolePolicy") {
      auto it = roles.find(s.params.GetString("RoleName"));
      if (it == roles.end()) {
        outside.push_back(static_cast<int>(i));
        continue;
      }
      Value pol = Value::Object();
      pol.Add("PolicyName", *s.params.Get("PolicyName"));
      Value doc = *s.params.Get("PolicyDocument");
      doc.kind = Value::Kind::kNumber;  // JSON text is a YAML flow mapping: write it as is
      pol.Add("PolicyDocument", doc);
      Value& props = resources[it->second].props;
      Value* policies = nullptr;
      for (auto& [k, v] : props.members) {
        if (k == "Policies") policies = &v;
      }
      if (!policies) {
        props.Add("Policies", Value::List());
        policies = &props.members.back().second;
      }
      policies->items.push_back(std::move(pol));
      continue;
    }
    Resource r;
    r.step = static_cast<int>(i);
    r.id = logical_[r.step];
    if (op == "CreateLogGroup") {
      r.type = "AWS::Logs::LogGroup";
      r.props.Add("LogGroupName", *s.params.Get("logGroupName"));
    } else if (op == "CreateRole") {
      r.type = "AWS::IAM::Role";
      for (const auto& [k, v] : s.params.members) {
        Value x = v;
        if (k == "AssumeRolePolicyDocument") x.kind = Value::Kind::kNumber;  // JSON as YAML
        r.props.Add(k, x);
      }
      roles[s.params.GetString("RoleName")] = resources.size();
    } else if (op == "CreateTopic") {
      r.type = "AWS::SNS::Topic";
      r.props.Add("TopicName", *s.params.Get("Name"));
    } else if (op == "Subscribe") {
      r.type = "AWS::SNS::Subscription";
      for (const auto& [k, v] : s.params.members) r.props.Add(k, v);
    } else if (op == "PutMetricFilter") {
      r.type = "AWS::Logs::MetricFilter";
      for (const auto& [k, v] : s.params.members) {
        Value x = v;
        for (auto& item : x.items) {
          for (auto& [mk, mv] : item.members) mk = Capitalized(mk);
        }
        if (k == "logGroupName" && log_groups_.count(v.text)) {
          x = Value::Param(log_groups_[v.text]);  // !Ref of the log group gives its name
        }
        r.props.Add(Capitalized(k), x);
      }
    } else if (op == "PutMetricAlarm") {
      r.type = "AWS::CloudWatch::Alarm";
      for (const auto& [k, v] : s.params.members) r.props.Add(k, v);
    }
    resources.push_back(std::move(r));
  }

  std::string o;
  for (const auto& line : HeaderLines(plan_)) o += "# " + line + "\n";
  std::string rules;
  for (const auto& r : plan_.rules) {
    if (r.planned) rules += (rules.empty() ? "" : ", ") + r.rule_id;
  }
  o += "#\n# Deploy in " + CommentSafe(plan_.trail_region) + ", for example:\n";
  std::string overrides;
  for (const auto& p : plan_.parameters) overrides += " " + p.name + "=...";
  o += "#   aws cloudformation deploy --region " + CommentSafe(plan_.trail_region) +
       " --stack-name cis-monitoring --template-file FILE";
  bool iam = false;
  for (const auto& r : resources) iam |= r.type == "AWS::IAM::Role";
  if (iam) o += " --capabilities CAPABILITY_NAMED_IAM";
  if (!overrides.empty()) o += " --parameter-overrides" + overrides;
  o += "\n";
  if (!outside.empty()) {
    o += "#\n# CloudFormation does not manage resources that already exist. After deploying, run "
         "these\n# commands (the same API calls vigil fix --format cli writes):\n";
    auto ref = [&](const Value& v) {
      return v.known.empty() ? std::string("'<") + v.text + ">'" : ShellQuote(v.known);
    };
    auto param = [&](const Value& v) { return "'<" + v.text + ">'"; };
    for (int i : outside) {
      const Step& s = plan_.steps[i];
      o += "#   " + CommentSafe(CliCommand(s, ref, param).Join(false)) + "\n";
    }
  }
  o += "AWSTemplateFormatVersion: \"2010-09-09\"\n";
  o += "Description: " +
       YamlQuote(fmt::format("CIS AWS Foundations monitoring for account {} (vigil fix: {})",
                             plan_.account_id, rules.empty() ? "no rules" : rules)) +
       "\n";
  if (!plan_.parameters.empty()) {
    o += "Parameters:\n";
    for (const auto& p : plan_.parameters) {
      o += "  " + p.name + ":\n    Type: String\n    Description: " + YamlQuote(p.description) +
           "\n";
      if (p.name.find("Email") != std::string::npos) {
        o += "    AllowedPattern: \"^[^@\\\\s]+@[^@\\\\s]+$\"\n"
             "    ConstraintDescription: an e-mail address\n";
      }
    }
  }
  o += "Resources:\n";
  if (resources.empty()) {
    // A template needs a resource; this one creates nothing and costs nothing.
    o += "  Nothing:\n    Type: AWS::CloudFormation::WaitConditionHandle\n";
  }
  for (const auto& r : resources) {
    const Step& s = plan_.steps[r.step];
    o += "  # " + CommentSafe(s.reason) + "\n";
    o += "  " + r.id + ":\n    Type: " + r.type + "\n    Properties:\n";
    Emit(o, r.props, 6);
  }
  std::string outputs;
  for (const auto& r : resources) {
    if (r.type == "AWS::SNS::Topic") {
      outputs += "  " + r.id + "Arn:\n    Value: !Ref " + r.id + "\n";
    } else if (r.type == "AWS::IAM::Role") {
      outputs += "  " + r.id + "Arn:\n    Value: !GetAtt " + r.id + ".Arn\n";
    }
  }
  if (!outputs.empty()) o += "Outputs:\n" + outputs;
  return o;
}

}  // namespace

std::string RenderCloudFormation(const Plan& plan) { return CfnWriter(plan).Render(); }

}  // namespace vigil::remediate
