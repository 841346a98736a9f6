// The plan as Terraform (HCL) for the hashicorp/aws provider 5.x.
#include <map>
#include <set>

#include <fmt/format.h>

#include "remediate/render.h"

namespace vigil::remediate {

namespace {

std::string Attr(std::string_view api_name) {
  std::string k = CliOperation(api_name);  // kebab case, as the CLI spells options
  for (char& c : k) c = c == '-' ? '_' : c;
  return k;
}

// One HCL block: attributes (aligned as terraform fmt aligns them) and nested blocks.
struct Block {
  std::string header;  // resource "aws_sns_topic" "alerts_topic"
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<Block> blocks;
  void Write(std::string& o, int indent) const {
    std::string pad(indent, ' ');
    o += pad + header + " {\n";
    size_t width = 0;
    for (const auto& [k, v] : attrs) width = std::max(width, k.size());
    for (const auto& [k, v] : attrs) {
      o += pad + "  " + k + std::string(width - k.size(), ' ') + " = " + v + "\n";
    }
    for (const auto& b : blocks) {
      o += "\n";
      b.Write(o, indent + 2);
    }
    o += pad + "}\n";
  }
};

class TfWriter {
 public:
  explicit TfWriter(const Plan& plan) : plan_(plan) {}
  std::string Render();

 private:
  bool InConfig(const Step& s) const;
  std::string Expr(const Value& v) const;

  const Plan& plan_;
  std::map<int, std::string> address_;           // step -> "aws_sns_topic.alerts_topic"
  std::map<std::string, std::string> log_groups_;  // created log group name -> address
  std::map<std::string, std::string> roles_;       // created role name -> address
};

bool TfWriter::InConfig(const Step& s) const { return DeclaredByTemplate(plan_, s); }

std::string TfWriter::Expr(const Value& v) const {
  switch (v.kind) {
    case Value::Kind::kString: return HclQuote(v.text);
    case Value::Kind::kNumber: return v.text;
    case Value::Kind::kBool: return v.boolean ? "true" : "false";
    case Value::Kind::kParam: return "var." + SnakeName(v.text);
    case Value::Kind::kRef: {
      auto it = address_.find(v.step);
      return it == address_.end() ? HclQuote(v.known) : it->second + ".arn";
    }
    case Value::Kind::kList: {
      std::string o = "[";
      for (size_t i = 0; i < v.items.size(); ++i) o += (i ? ", " : "") + Expr(v.items[i]);
      return o + "]";
    }
    case Value::Kind::kObject: {
      std::string o = "{";
      for (size_t i = 0; i < v.members.size(); ++i) {
        o += (i ? ", " : " ") + HclQuote(v.members[i].first) + " = " + Expr(v.members[i].second);
      }
      return o + " }";
    }
  }
  return "";
}

std::string TfWriter::Render() {
  std::set<std::string> names;
  auto unique = [&](std::string type, std::string name) {
    std::string n = name;
    for (int i = 2; names.count(type + "." + n); ++i) n = fmt::format("{}_{}", name, i);
    names.insert(type + "." + n);
    return type + "." + n;
  };
  std::vector<int> outside;
  std::vector<std::pair<int, Block>> blocks;
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    const std::string& op = s.operation;
    if (!InConfig(s) || (op == "PutRolePolicy" && !roles_.count(s.params.GetString("RoleName")))) {
      outside.push_back(static_cast<int>(i));
      continue;
    }
    std::string type = op == "CreateLogGroup"    ? "aws_cloudwatch_log_group"
                       : op == "CreateRole"      ? "aws_iam_role"
                       : op == "PutRolePolicy"   ? "aws_iam_role_policy"
                       : op == "CreateTopic"     ? "aws_sns_topic"
                       : op == "Subscribe"       ? "aws_sns_topic_subscription"
                       : op == "PutMetricFilter" ? "aws_cloudwatch_log_metric_filter"
                                                 : "aws_cloudwatch_metric_alarm";
    std::string address = unique(type, SnakeName(s.key));
    address_[static_cast<int>(i)] = address;
    Block b;
    b.header = "resource \"" + type + "\" \"" + address.substr(type.size() + 1) + "\"";
    const Value& p = s.params;
    if (op == "CreateLogGroup") {
      b.attrs.push_back({"name", Expr(*p.Get("logGroupName"))});
      log_groups_[p.GetString("logGroupName")] = address;
    } else if (op == "CreateRole") {
      b.attrs.push_back({"name", Expr(*p.Get("RoleName"))});
      if (p.Get("Description")) b.attrs.push_back({"description", Expr(*p.Get("Description"))});
      b.attrs.push_back({"assume_role_policy", Expr(*p.Get("AssumeRolePolicyDocument"))});
      roles_[p.GetString("RoleName")] = address;
    } else if (op == "PutRolePolicy") {
      b.attrs.push_back({"name", Expr(*p.Get("PolicyName"))});
      b.attrs.push_back({"role", roles_[p.GetString("RoleName")] + ".id"});
      b.attrs.push_back({"policy", Expr(*p.Get("PolicyDocument"))});
    } else if (op == "CreateTopic") {
      b.attrs.push_back({"name", Expr(*p.Get("Name"))});
    } else if (op == "Subscribe") {
      b.attrs.push_back({"topic_arn", Expr(*p.Get("TopicArn"))});
      b.attrs.push_back({"protocol", Expr(*p.Get("Protocol"))});
      b.attrs.push_back({"endpoint", Expr(*p.Get("Endpoint"))});
    } else if (op == "PutMetricFilter") {
      b.attrs.push_back({"name", Expr(*p.Get("filterName"))});
      std::string lg = p.GetString("logGroupName");
      b.attrs.push_back({"log_group_name", log_groups_.count(lg) ? log_groups_[lg] + ".name"
                                                                 : Expr(*p.Get("logGroupName"))});
      b.attrs.push_back({"pattern", Expr(*p.Get("filterPattern"))});
      for (const auto& t : p.Get("metricTransformations")->items) {
        Block mt;
        mt.header = "metric_transformation";
        mt.attrs.push_back({"name", Expr(*t.Get("metricName"))});
        mt.attrs.push_back({"namespace", Expr(*t.Get("metricNamespace"))});
        mt.attrs.push_back({"value", Expr(*t.Get("metricValue"))});
        b.blocks.push_back(std::move(mt));
      }
    } else {  // PutMetricAlarm
      for (const auto& [k, v] : p.members) {
        if (k == "Dimensions") {
          Value m = Value::Object();
          for (const auto& d : v.items) m.Add(d.GetString("Name"), *d.Get("Value"));
          b.attrs.push_back({"dimensions", Expr(m)});
        } else {
          b.attrs.push_back({Attr(k), Expr(v)});
        }
      }
    }
    blocks.emplace_back(static_cast<int>(i), std::move(b));
  }

  std::string o;
  for (const auto& line : HeaderLines(plan_)) o += "# " + line + "\n";
  if (!outside.empty()) {
    o += "#\n# Terraform does not manage resources that already exist. After terraform apply, run "
         "these\n# commands (the same API calls vigil fix --format cli writes):\n";
    auto ref = [&](const Value& v) {
      return v.known.empty() ? std::string("'<") + v.text + ">'" : ShellQuote(v.known);
    };
    auto param = [&](const Value& v) { return "'<" + v.text + ">'"; };
    for (int i : outside) {
      o += "#   " + CommentSafe(CliCommand(plan_.steps[i], ref, param).Join(false)) + "\n";
    }
  }
  o += "\nterraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n"
       "      version = \">= 5.0\"\n    }\n  }\n}\n\n";
  o += "provider \"aws\" {\n  region = " + HclQuote(plan_.trail_region) + "\n}\n";
  for (const auto& p : plan_.parameters) {
    Block v;
    v.header = "variable \"" + SnakeName(p.name) + "\"";
    v.attrs.push_back({"type", "string"});
    v.attrs.push_back({"description", HclQuote(p.description)});
    o += "\n";
    v.Write(o, 0);
  }
  for (const auto& [i, b] : blocks) {
    o += "\n# " + CommentSafe(plan_.steps[i].reason) + "\n";
    b.Write(o, 0);
  }
  for (const auto& [i, b] : blocks) {
    const std::string& op = plan_.steps[i].operation;
    if (op != "CreateTopic" && op != "CreateRole") continue;
    const std::string& a = address_[i];
    o += "\noutput \"" + a.substr(a.find('.') + 1) + "_arn\" {\n  value = " + a + ".arn\n}\n";
  }
  return o;
}

}  // namespace

std::string RenderTerraform(const Plan& plan) { return TfWriter(plan).Render(); }

}  // namespace vigil::remediate
