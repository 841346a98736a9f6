// The planner over the small inventories of testdata/remediate (one per failure kind, written by
// make_inventories.py) and over the demo account.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gsl/inventory.h"
#include "remediate/plan.h"
#include "remediate/render.h"
#include "rules/embedded.h"
#include "rules/ruleset.h"

namespace vigil::remediate {
namespace {

std::vector<rules::Ruleset> Rulesets() {
  std::vector<rules::Ruleset> out;
  for (const char* n : {"cloudguard-aws-cis-monitoring", "vigil-aws-cis"}) {
    auto rs = rules::LoadRuleset(n);
    EXPECT_TRUE(rs.ok()) << rs.status().message();
    out.push_back(std::move(*rs));
  }
  return out;
}

Plan PlanFor(const std::string& inventory_file, std::vector<std::string> rule_ids,
             PlanOptions options = {}) {
  std::unique_ptr<gsl::Inventory> inv;
  if (inventory_file == "demo") {
    auto r = gsl::Inventory::FromText(std::string(embedded::Find("account.json")->text()), "demo");
    EXPECT_TRUE(r.ok());
    inv = std::move(*r);
  } else {
    auto r = gsl::Inventory::Load(std::string(VIGIL_SOURCE_DIR) + "/testdata/remediate/" +
                                  inventory_file + ".json");
    EXPECT_TRUE(r.ok()) << r.status().message();
    inv = std::move(*r);
  }
  options.rule_ids = std::move(rule_ids);
  auto plan = MakePlan(Rulesets(), *inv, options);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return plan.ok() ? std::move(*plan) : Plan{};
}

std::vector<std::string> Ops(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& s : p.steps) out.push_back(s.service + " " + s.operation);
  return out;
}

using V = std::vector<std::string>;

struct Case {
  const char* inventory;
  const char* rule;
  V ops;
};

class FailureKinds : public ::testing::TestWithParam<Case> {};

TEST_P(FailureKinds, LeastChange) {
  const Case& c = GetParam();
  Plan p = PlanFor(c.inventory, {c.rule});
  EXPECT_EQ(Ops(p), c.ops) << Summary(p);
  // Every step serves the rule and says why; Refs point backwards.
  for (size_t i = 0; i < p.steps.size(); ++i) {
    EXPECT_FALSE(p.steps[i].reason.empty());
    EXPECT_EQ(p.steps[i].rules, V{c.rule});
    std::function<void(const Value&)> check = [&](const Value& v) {
      if (v.kind == Value::Kind::kRef) {
        EXPECT_LT(v.step, static_cast<int>(i));
      }
      for (const auto& x : v.items) check(x);
      for (const auto& [k, x] : v.members) check(x);
    };
    check(p.steps[i].params);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Plans, FailureKinds,
    ::testing::Values(
        Case{"missing_filter", "VIGIL.AWS.CIS.4.9",
             V{"sns CreateTopic", "sns Subscribe", "logs PutMetricFilter",
               "monitoring PutMetricAlarm"}},
        Case{"reuse_topic", "VIGIL.AWS.CIS.4.9",
             V{"logs PutMetricFilter", "monitoring PutMetricAlarm"}},
        Case{"filter_no_alarm", "VIGIL.AWS.CIS.4.9", V{"monitoring PutMetricAlarm"}},
        Case{"alarm_no_actions", "VIGIL.AWS.CIS.4.9", V{"monitoring PutMetricAlarm"}},
        Case{"actions_disabled", "VIGIL.AWS.CIS.4.9", V{"monitoring EnableAlarmActions"}},
        Case{"wrong_namespace", "VIGIL.AWS.CIS.4.9", V{"monitoring PutMetricAlarm"}},
        Case{"pending_only", "VIGIL.AWS.CIS.4.9", V{"sns Subscribe"}},
        Case{"no_cloudwatch_trail", "VIGIL.AWS.CIS.4.9",
             V{"logs CreateLogGroup", "iam CreateRole", "iam PutRolePolicy",
               "cloudtrail UpdateTrail", "sns CreateTopic", "sns Subscribe",
               "logs PutMetricFilter", "monitoring PutMetricAlarm"}},
        Case{"broader_filter", "VIGIL.AWS.CIS.4.9", V{"monitoring PutMetricAlarm"}},
        // The CloudGuard form compares by equality: the broader filter does not serve it.
        Case{"broader_filter", "D9.AWS.MON.09",
             V{"logs PutMetricFilter", "monitoring PutMetricAlarm"}},
        Case{"passing", "VIGIL.AWS.CIS.4.9", V{}}, Case{"passing", "D9.AWS.MON.09", V{}},
        Case{"no_suitable_trail", "VIGIL.AWS.CIS.4.9", V{}}),
    [](const auto& info) {
      std::string n = std::string(info.param.inventory) + "_" + info.param.rule;
      for (char& ch : n) ch = isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return n;
    });

TEST(Plan, MissingFilterParameters) {
  Plan p = PlanFor("missing_filter", {"VIGIL.AWS.CIS.4.9"});
  ASSERT_EQ(p.steps.size(), 4u);
  const Value& f = p.steps[2].params;
  EXPECT_EQ(f.GetString("logGroupName"), "CloudTrail/main");
  EXPECT_EQ(f.GetString("filterName"), "cis-4.9-aws-config-changes");
  // The rule's own pattern, verbatim.
  EXPECT_EQ(f.GetString("filterPattern").rfind("{ ($.eventSource = config.amazonaws.com)", 0), 0u);
  const Value& t = f.Get("metricTransformations")->items.at(0);
  EXPECT_EQ(t.GetString("metricNamespace"), "CISBenchmark");
  EXPECT_EQ(t.GetString("metricValue"), "1");
  const Value& a = p.steps[3].params;
  EXPECT_EQ(a.GetString("MetricName"), "cis-4.9-aws-config-changes");
  EXPECT_EQ(a.GetString("Namespace"), "CISBenchmark");
  EXPECT_EQ(a.GetString("Statistic"), "Sum");
  EXPECT_EQ(a.Get("Period")->text, "300");
  EXPECT_EQ(a.Get("Threshold")->text, "1");
  EXPECT_EQ(a.Get("EvaluationPeriods")->text, "1");
  EXPECT_EQ(a.GetString("ComparisonOperator"), "GreaterThanOrEqualToThreshold");
  const Value& action = a.Get("AlarmActions")->items.at(0);
  EXPECT_EQ(action.kind, Value::Kind::kRef);
  EXPECT_EQ(action.step, 0);
  EXPECT_EQ(action.text, "TopicArn");
  EXPECT_EQ(action.known, "arn:aws:sns:us-east-1:111122223333:cis-security-alarms");
  EXPECT_EQ(p.steps[1].params.Get("Endpoint")->kind, Value::Kind::kParam);
  ASSERT_EQ(p.parameters.size(), 1u);
  EXPECT_EQ(p.parameters[0].name, "NotificationEmail");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_TRUE(p.rules[0].needs_confirmation);
}

TEST(Plan, Options) {
  PlanOptions o;
  o.metric_namespace = "Security";
  o.email = "team@example.com";
  Plan p = PlanFor("missing_filter", {"VIGIL.AWS.CIS.4.9"}, o);
  ASSERT_EQ(p.steps.size(), 4u);
  EXPECT_EQ(p.steps[1].params.GetString("Endpoint"), "team@example.com");
  EXPECT_EQ(p.steps[1].params.GetString("Protocol"), "email");
  EXPECT_TRUE(p.parameters.empty());
  EXPECT_EQ(p.steps[3].params.GetString("Namespace"), "Security");

  PlanOptions t;
  t.topic_arn = "arn:aws:sns:us-east-1:111122223333:mine";
  p = PlanFor("missing_filter", {"VIGIL.AWS.CIS.4.9"}, t);
  EXPECT_EQ(Ops(p), (V{"logs PutMetricFilter", "monitoring PutMetricAlarm"}));
  EXPECT_EQ(p.steps[1].params.Get("AlarmActions")->items.at(0).text, t.topic_arn);

  // An e-mail for a topic that already reaches someone: subscribed to that topic.
  PlanOptions e;
  e.email = "new@example.com";
  p = PlanFor("reuse_topic", {"VIGIL.AWS.CIS.4.9"}, e);
  EXPECT_EQ(Ops(p), (V{"sns Subscribe", "logs PutMetricFilter", "monitoring PutMetricAlarm"}));
  EXPECT_EQ(p.steps[0].params.GetString("TopicArn"), "arn:aws:sns:us-east-1:111122223333:secops");
  EXPECT_FALSE(p.rules.at(0).needs_confirmation);

  PlanOptions lg;
  lg.log_group = "Audit/trail";
  p = PlanFor("no_cloudwatch_trail", {"VIGIL.AWS.CIS.4.9"}, lg);
  EXPECT_EQ(p.steps.at(0).params.GetString("logGroupName"), "Audit/trail");
  EXPECT_EQ(p.steps.at(3).params.GetString("CloudWatchLogsLogGroupArn"),
            "arn:aws:logs:us-east-1:111122223333:log-group:Audit/trail:*");
  EXPECT_EQ(p.steps.at(3).params.Get("CloudWatchLogsRoleArn")->kind, Value::Kind::kRef);
  EXPECT_EQ(p.steps.at(6).params.GetString("logGroupName"), "Audit/trail");
}

TEST(Plan, BadOptions) {
  auto inv = gsl::Inventory::Load(std::string(VIGIL_SOURCE_DIR) +
                                  "/testdata/remediate/missing_filter.json");
  ASSERT_TRUE(inv.ok());
  PlanOptions o;
  o.email = "a@example.com";
  o.topic_arn = "arn:aws:sns:us-east-1:111122223333:x";
  EXPECT_FALSE(MakePlan(Rulesets(), **inv, o).ok());
  PlanOptions p;
  p.protocol = "https";
  EXPECT_FALSE(MakePlan(Rulesets(), **inv, p).ok());
  PlanOptions r;
  r.rule_ids = {"NO.SUCH.RULE"};
  auto bad = MakePlan(Rulesets(), **inv, r);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("NO.SUCH.RULE"), std::string::npos);
}

TEST(Plan, PendingOnlySubscribesToTheAlarmsTopic) {
  Plan p = PlanFor("pending_only", {"VIGIL.AWS.CIS.4.9"});
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].params.GetString("TopicArn"), "arn:aws:sns:us-east-1:111122223333:pager");
  EXPECT_TRUE(p.rules.at(0).needs_confirmation);
}

TEST(Plan, WrongNamespaceCorrectsTheAlarmInPlace) {
  Plan p = PlanFor("wrong_namespace", {"VIGIL.AWS.CIS.4.9"});
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].params.GetString("AlarmName"), "config_changes_alarm");
  EXPECT_EQ(p.steps[0].params.GetString("Namespace"), "CISBenchmark");
  EXPECT_FALSE(p.steps[0].changes.empty());
}

TEST(Plan, NoSuitableTrailSaysWhatIsNeeded) {
  Plan p = PlanFor("no_suitable_trail", {"VIGIL.AWS.CIS.4.9"});
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_FALSE(p.rules[0].planned);
  EXPECT_NE(p.rules[0].note.find("multi-region"), std::string::npos);
}

TEST(Plan, DemoSharesOneFilterPerControlAndReusesTheConfirmedTopic) {
  Plan p = PlanFor("demo", {});
  int topics = 0;
  for (const auto& s : p.steps) {
    topics += s.operation == "CreateTopic";
    for (const auto& a : s.params.Get("AlarmActions") ? s.params.Get("AlarmActions")->items
                                                      : std::vector<Value>{}) {
      if (a.kind == Value::Kind::kString && a.text.find("security-pager") == std::string::npos) {
        EXPECT_EQ(a.text, "arn:aws:sns:us-east-1:111122223333:security-alerts");
      }
    }
    if (s.key == "cis-4.7-cmk-disable-or-deletion") {
      EXPECT_EQ(s.rules, (V{"D9.AWS.MON.07", "VIGIL.AWS.CIS.4.7"}));
    }
  }
  EXPECT_EQ(topics, 0);
  EXPECT_EQ(p.trail_name, "management-events");
  // The rules that pass on the demo get nothing.
  for (const auto& s : p.steps) {
    for (const auto& r : s.rules) {
      EXPECT_NE(r, "VIGIL.AWS.CIS.4.9");
      EXPECT_NE(r, "D9.AWS.MON.02");
    }
  }
}

TEST(Quote, Shell) {
  EXPECT_EQ(ShellQuote("CloudTrail/main"), "CloudTrail/main");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(x)`y`"), "'$(x)`y`'");
}

TEST(Quote, YamlAndHcl) {
  EXPECT_EQ(YamlQuote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(HclQuote("${x} %{y} $z"), "\"$${x} %%{y} $z\"");
  EXPECT_EQ(YamlQuote(std::string("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(CommentSafe("a\nb"), "a\\nb");
}

TEST(Names, CliAndIac) {
  EXPECT_EQ(CliOperation("PutMetricFilter"), "put-metric-filter");
  Step s;
  s.service = "sns";
  s.operation = "Subscribe";
  EXPECT_EQ(CliOption(s, "Endpoint"), "--notification-endpoint");
  EXPECT_EQ(CliOption(s, "TopicArn"), "--topic-arn");
  EXPECT_EQ(CliOption(s, "OKActions"), "--ok-actions");
  EXPECT_EQ(CliOption(s, "CloudWatchLogsLogGroupArn"), "--cloud-watch-logs-log-group-arn");
  EXPECT_EQ(CamelName("cis-4.9-aws-config-changes"), "Cis49AwsConfigChanges");
  EXPECT_EQ(SnakeName("cis-4.9-aws-config-changes"), "cis_4_9_aws_config_changes");
  EXPECT_EQ(SnakeName("NotificationEmail"), "notification_email");
}

}  // namespace
}  // namespace vigil::remediate
