#include "remediate/model.h"

#include "base/text.h"

namespace vigil::remediate {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string Str(element e, const char* key) {
  std::string_view s;
  if (e[key].get_string().get(s)) return "";
  return std::string(s);
}

bool Bool(element e, const char* key) {
  bool b = false;
  if (e[key].get_bool().get(b)) return false;
  return b;
}

std::optional<double> Num(element e, const char* key) {
  element v;
  if (e[key].get(v)) return std::nullopt;
  double d;
  if (!v.get_double().get(d)) return d;
  int64_t i;
  if (!v.get_int64().get(i)) return static_cast<double>(i);
  uint64_t u;
  if (!v.get_uint64().get(u)) return static_cast<double>(u);
  std::string_view s;  // collectors may keep numbers as text
  if (!v.get_string().get(s)) return ParsePatternNumber(s);
  return std::nullopt;
}

// A number member as text ("1"), whether the inventory holds a number or a string.
std::string NumText(element e, const char* key) {
  std::string s = Str(e, key);
  if (!s.empty()) return s;
  auto n = Num(e, key);
  return n ? FormatNumber(*n) : "";
}

std::vector<element> List(element e, const char* key) {
  std::vector<element> out;
  array a;
  if (e[key].get_array().get(a)) return out;
  for (element x : a) out.push_back(x);
  return out;
}

std::vector<std::string> Strings(element e, const char* key) {
  std::vector<std::string> out;
  for (element x : List(e, key)) {
    std::string_view s;
    if (!x.get_string().get(s)) out.emplace_back(s);
  }
  return out;
}

Subscription ReadSubscription(element e) {
  Subscription s;
  s.arn = Str(e, "subscriptionArn");
  s.topic_arn = Str(e, "topicArn");
  s.protocol = Str(e, "protocol");
  s.endpoint = Str(e, "endpoint");
  s.confirmed = Bool(e, "confirmed");
  return s;
}

Alarm ReadAlarm(element e) {
  Alarm a;
  a.name = Str(e, "name");
  a.arn = Str(e, "arn");
  if (a.arn.empty()) a.arn = Str(e, "id");
  a.region = Str(e, "region");
  a.description = Str(e, "description");
  a.actions_enabled = Bool(e, "actionsEnabled");
  a.metric_name = Str(e, "metricName");
  a.namespace_ = Str(e, "namespace");
  a.statistic = Str(e, "statistic");
  a.extended_statistic = Str(e, "extendedStatistic");
  a.comparison_operator = Str(e, "comparisonOperator");
  a.treat_missing_data = Str(e, "treatMissingData");
  a.unit = Str(e, "unit");
  a.period = Num(e, "period");
  a.evaluation_periods = Num(e, "evaluationPeriods");
  a.datapoints_to_alarm = Num(e, "datapointsToAlarm");
  a.threshold = Num(e, "threshold");
  a.ok_actions = Strings(e, "okActions");
  a.insufficient_data_actions = Strings(e, "insufficientDataActions");
  for (element x : List(e, "actions")) {
    AlarmAction act;
    act.arn = Str(x, "action");
    act.type = Str(x, "type");
    bool readable = true;
    if (!x["subscriptionsReadable"].get_bool().get(readable)) act.subscriptions_readable = readable;
    for (element s : List(x, "subscriptions")) act.subscriptions.push_back(ReadSubscription(s));
    a.actions.push_back(std::move(act));
  }
  for (element d : List(e, "dimensions")) a.dimensions.emplace_back(Str(d, "name"), Str(d, "value"));
  a.metric_math = !List(e, "metrics").empty();
  return a;
}

MetricFilter ReadFilter(element e) {
  MetricFilter f;
  f.name = Str(e, "filterName");
  f.pattern = Str(e, "filterPattern");
  f.log_group = Str(e, "logGroupName");
  for (element t : List(e, "metricTransformations")) {
    Transformation tr;
    tr.metric_name = Str(t, "metricName");
    tr.metric_namespace = Str(t, "metricNamespace");
    tr.metric_value = NumText(t, "metricValue");
    for (element a : List(t, "alarms")) tr.alarms.push_back(ReadAlarm(a));
    f.transformations.push_back(std::move(tr));
  }
  return f;
}

}  // namespace

bool AlarmAction::HasConfirmed() const {
  if (type != "sns") return false;
  for (const auto& s : subscriptions) {
    if (s.confirmed) return true;
  }
  return false;
}

bool Alarm::Reaches() const {
  if (!actions_enabled) return false;
  for (const auto& a : actions) {
    if (a.HasConfirmed()) return true;
  }
  return false;
}

Model ReadModel(const gsl::Inventory& inventory) {
  Model m;
  m.account_id = inventory.account_id();
  m.account_name = inventory.account_name();
  for (element e : inventory.Entities("CloudTrail")) {
    Trail t;
    t.arn = Str(e, "trailArn");
    if (t.arn.empty()) t.arn = Str(e, "id");
    t.name = Str(e, "name");
    t.home_region = Str(e, "homeRegion");
    if (t.home_region.empty()) t.home_region = Str(e, "region");
    if (t.home_region.empty()) t.home_region = ArnRegion(t.arn);
    t.account = Str(e, "accountNumber");
    if (t.account.empty()) t.account = m.account_id;
    t.owner_account = Str(e, "ownerAccountId");
    if (t.owner_account.empty()) t.owner_account = ArnAccount(t.arn);
    t.is_shadow = Bool(e, "isShadow");
    t.multi_region = Bool(e, "isMultiRegionTrail");
    t.organization = Bool(e, "isOrganizationTrail");
    t.logging = Bool(e["status"], "isLogging");
    t.captures_all_management = Bool(e, "capturesAllManagementEvents");
    bool readable = true;
    if (!e["chainReadable"].get_bool().get(readable)) t.chain_readable = readable;
    t.chain_unreadable_reason = Str(e, "chainUnreadableReason");
    t.log_group_arn = Str(e, "cloudWatchLogsLogGroupArn");
    t.log_group_name = Str(e, "logGroupName");
    // arn:partition:logs:region:account:log-group:NAME[:*]: the name is field 7.
    if (t.log_group_name.empty()) t.log_group_name = ArnField(t.log_group_arn, 6);
    t.logs_role_arn = Str(e, "cloudWatchLogsRoleArn");
    for (element f : List(e, "metricFilters")) t.filters.push_back(ReadFilter(f));
    m.trails.push_back(std::move(t));
  }
  m.has_alarms = inventory.Has("MetricAlarm");
  for (element e : inventory.Entities("MetricAlarm")) m.alarms.push_back(ReadAlarm(e));
  m.has_topics = inventory.Has("SnsTopic");
  for (element e : inventory.Entities("SnsTopic")) {
    Topic t;
    t.arn = Str(e, "id");
    t.name = Str(e, "name");
    t.region = Str(e, "region");
    if (t.region.empty()) t.region = ArnRegion(t.arn);
    for (element s : List(e, "subscriptions")) t.subscriptions.push_back(ReadSubscription(s));
    auto c = Num(e, "subscriptionsConfirmed");
    auto p = Num(e, "subscriptionsPending");
    int listed = 0;
    for (const auto& s : t.subscriptions) listed += s.confirmed ? 1 : 0;
    t.confirmed = c ? static_cast<int>(*c) : listed;
    t.pending = p ? static_cast<int>(*p) : static_cast<int>(t.subscriptions.size()) - listed;
    m.topics.push_back(std::move(t));
  }
  m.has_log_groups = inventory.Has("LogGroup");
  for (element e : inventory.Entities("LogGroup")) {
    LogGroup g;
    g.name = Str(e, "name");
    g.region = Str(e, "region");
    g.arn = Str(e, "arn");
    if (g.arn.empty()) g.arn = Str(e, "id");
    if (g.region.empty()) g.region = ArnRegion(g.arn);
    m.log_groups.push_back(std::move(g));
  }
  return m;
}

std::string PartitionOf(const std::string& region) {
  if (region.rfind("cn-", 0) == 0) return "aws-cn";
  if (region.rfind("us-gov-", 0) == 0) return "aws-us-gov";
  return "aws";
}


std::string ArnRegion(const std::string& arn) {
  return arn.rfind("arn:", 0) == 0 ? ArnField(arn, 3) : "";
}
std::string ArnAccount(const std::string& arn) {
  return arn.rfind("arn:", 0) == 0 ? ArnField(arn, 4) : "";
}

}  // namespace vigil::remediate
