// BuildInventory: raw API answers -> CloudGuard-style entities (shared/docs/gsl.md §9).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "collect/collector.h"
#include "base/iso_time.h"
#include "base/text.h"
#include "collect/raw_util.h"

namespace vigil::collect {
namespace {

Json StringArray(const Json& obj, std::string_view key) {
  Json a = Json::Array();
  for (const Json& v : Items(obj, key)) {
    if (v.is_string()) a.Push(v);
  }
  return a;
}

// A boolean member: JSON true/false, or "true"/"false" from XML. nullopt when absent.
std::optional<bool> Bool(const Json& obj, std::string_view key) {
  const Json* v = obj.Get(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string()) {
    if (v->text() == "true") return true;
    if (v->text() == "false") return false;
  }
  return std::nullopt;
}

// A number member: a JSON number or the numeric text of an XML element.
std::optional<Json> Number(const Json& obj, std::string_view key) {
  const Json* v = obj.Get(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return *v;
  if (v->is_string() && !v->text().empty()) {
    char* end = nullptr;
    double d = std::strtod(v->text().c_str(), &end);
    if (end && *end == '\0') return Json(d);
  }
  return std::nullopt;
}

// A timestamp member: epoch seconds (JSON 1.1; `millis` for Logs) or an ISO string (XML).
std::optional<std::string> Time(const Json& obj, std::string_view key, bool millis = false) {
  const Json* v = obj.Get(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) {
    double secs = v->as_double();
    if (millis) secs /= 1000;
    return FormatIsoSeconds(static_cast<int64_t>(std::floor(secs)));
  }
  if (v->is_string() && !v->text().empty()) return v->text();
  return std::nullopt;
}

void SetIf(Json& out, const char* key, std::optional<Json> v) {
  if (v) out.Set(key, std::move(*v));
}
void SetString(Json& out, const char* key, const Json& in, std::string_view from) {
  const Json* v = in.Get(from);
  if (v && v->is_string() && !v->text().empty()) out.Set(key, *v);
}
void SetBool(Json& out, const char* key, const Json& in, std::string_view from) {
  if (auto b = Bool(in, from)) out.Set(key, *b);
}

std::string LowerFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

// Member names as CloudGuard spells them: the API's PascalCase with a lower-case first letter.
Json CamelKeys(const Json& v) {
  if (v.is_array()) {
    Json a = Json::Array();
    for (const Json& x : v.items()) a.Push(CamelKeys(x));
    return a;
  }
  if (!v.is_object()) return v;
  Json o = Json::Object();
  for (const auto& [k, x] : v.members()) o.Set(LowerFirst(k), CamelKeys(x));
  return o;
}

std::string LastName(std::string_view arn, char sep) {
  size_t at = arn.rfind(sep);
  return std::string(at == std::string_view::npos ? arn : arn.substr(at + 1));
}

std::string ActionType(std::string_view arn) {
  std::string service = ArnField(arn, 2);
  if (service == "sns") return "sns";
  if (service == "autoscaling") return "autoscaling";
  if (service == "automate" || service == "ec2") return "ec2";
  if (service == "ssm" || service == "ssm-incidents") return "ssm";
  if (service == "lambda") return "lambda";
  return "other";
}

class Builder {
 public:
  explicit Builder(const RawAccount& raw) : raw_(raw) {
    account_ = raw.Get("identity") ? raw.Get("identity")->GetString("Account") : "";
    if (const Json* pr = raw.Get("perRegion")) {
      for (const auto& [region, data] : pr->members()) regions_.insert(region);
    }
    for (const Json& e : Items(raw, "errors")) errors_.push_back(e);
    // Calls finish in any order; the inventory lists their errors in a stable one.
    auto key = [](const Json& e) {
      return std::make_tuple(e.GetString("service"), e.GetString("operation"),
                             e.GetString("region"), e.GetString("resource"));
    };
    std::stable_sort(errors_.begin(), errors_.end(),
                     [&](const Json& a, const Json& b) { return key(a) < key(b); });
  }

  Json Build() {
    Json inv = Json::Object();
    inv.Set("version", 1);
    Json account = Json::Object();
    account.Set("id", account_);
    account.Set("cloudProvider", "aws");
    inv.Set("account", std::move(account));
    Json entities = Json::Object();
    entities.Set("CloudTrail", Trails());
    entities.Set("LogGroup", LogGroups());
    entities.Set("MetricAlarm", MetricAlarms());
    entities.Set("SnsTopic", Topics());
    entities.Set("ConfigurationRecorder", Recorders());
    inv.Set("entities", std::move(entities));
    inv.Set("collection", Collection());
    return inv;
  }

 private:
  const Json* RegionData(const std::string& region, std::string_view key) const {
    const Json* pr = raw_.Get("perRegion");
    const Json* r = pr ? pr->Get(region) : nullptr;
    return r ? r->Get(key) : nullptr;
  }

  // The error of a region-wide call, or nullptr when it succeeded.
  const Json* ErrorOf(std::string_view service, std::string_view op, std::string_view region,
                      std::string_view resource = "") const {
    for (const Json& e : errors_) {
      if (e.GetString("service") == service && e.GetString("operation") == op &&
          e.GetString("region") == region && e.GetString("resource") == resource) {
        return &e;
      }
    }
    return nullptr;
  }

  static std::string Reason(const Json& error, std::string_view what) {
    std::string code = error.GetString("code", error.GetString("class"));
    return code + " on " + std::string(what) + " in " + error.GetString("region");
  }

  // --- SNS --------------------------------------------------------------------------------

  struct TopicView {
    bool readable = false;
    std::string reason;
    Json subscriptions = Json::Array();
    bool confirmed = false;
  };

  TopicView Topic(const std::string& arn) const {
    TopicView v;
    const Json* topics = raw_.Get("topics");
    const Json* t = topics ? topics->Get(arn) : nullptr;
    const Json* subs = t ? t->Get("subscriptions") : nullptr;
    if (subs == nullptr) {
      const Json* err = ErrorOf("sns", "ListSubscriptionsByTopic", ArnField(arn, 3), arn);
      v.reason = err ? Reason(*err, "sns:ListSubscriptionsByTopic for " + arn)
                     : "the subscriptions of " + arn + " were not collected (region " +
                           ArnField(arn, 3) + ")";
      return v;
    }
    v.readable = true;
    for (const Json& s : subs->items()) {
      Json out = Json::Object();
      std::string sub_arn = s.GetString("SubscriptionArn");
      out.Set("subscriptionArn", sub_arn);
      out.Set("topicArn", s.GetString("TopicArn", arn));
      SetString(out, "owner", s, "Owner");
      SetString(out, "protocol", s, "Protocol");
      SetString(out, "endpoint", s, "Endpoint");
      bool confirmed = sub_arn.starts_with("arn:");
      out.Set("confirmed", confirmed);
      v.confirmed |= confirmed;
      v.subscriptions.Push(std::move(out));
    }
    return v;
  }

  // --- Alarms -----------------------------------------------------------------------------

  struct AlarmContext {
    bool readable = true;
    std::vector<std::string> reasons;
    bool has_subscriber = false;
  };

  Json Alarm(const Json& a, const std::string& region, AlarmContext* ctx) const {
    Json out = Json::Object();
    SetString(out, "name", a, "AlarmName");
    SetString(out, "arn", a, "AlarmArn");
    SetString(out, "description", a, "AlarmDescription");
    out.Set("region", region);
    std::optional<bool> enabled = Bool(a, "ActionsEnabled");
    out.Set("actionsEnabled", enabled.value_or(true));
    SetString(out, "stateValue", a, "StateValue");
    SetString(out, "metricName", a, "MetricName");
    SetString(out, "namespace", a, "Namespace");
    SetString(out, "statistic", a, "Statistic");
    SetString(out, "extendedStatistic", a, "ExtendedStatistic");
    SetIf(out, "period", Number(a, "Period"));
    SetIf(out, "evaluationPeriods", Number(a, "EvaluationPeriods"));
    SetIf(out, "datapointsToAlarm", Number(a, "DatapointsToAlarm"));
    SetIf(out, "threshold", Number(a, "Threshold"));
    SetString(out, "comparisonOperator", a, "ComparisonOperator");
    SetString(out, "treatMissingData", a, "TreatMissingData");
    out.Set("okActions", StringArray(a, "OKActions"));
    out.Set("insufficientDataActions", StringArray(a, "InsufficientDataActions"));
    Json actions = Json::Array();
    bool alarm_confirmed = false;
    std::vector<std::string> alarm_unreadable;
    for (const Json& act : Items(a, "AlarmActions")) {
      if (!act.is_string()) continue;
      Json x = Json::Object();
      x.Set("action", act);
      std::string type = ActionType(act.text());
      x.Set("type", type);
      if (type == "sns") {
        TopicView t = Topic(act.text());
        x.Set("subscriptionsReadable", t.readable);
        x.Set("subscriptions", std::move(t.subscriptions));
        if (!t.readable) alarm_unreadable.push_back(t.reason);
        alarm_confirmed |= t.confirmed;
        if (ctx && t.confirmed && enabled.value_or(true)) ctx->has_subscriber = true;
      }
      actions.Push(std::move(x));
    }
    out.Set("actions", std::move(actions));
    // An unreadable topic matters only when it could decide the alarm: an enabled alarm with
    // no confirmed subscriber through its other actions.
    if (ctx && enabled.value_or(true) && !alarm_confirmed) {
      for (std::string& r : alarm_unreadable) ctx->reasons.push_back(std::move(r));
    }
    return out;
  }

  // Whether alarm `a` watches the metric (namespace, name, dimension names) directly or
  // through a metric-math query.
  static bool Watches(const Json& a, const std::string& ns, const std::string& name,
                      const std::set<std::string>& dims) {
    auto dim_names = [](const Json& owner) {
      std::set<std::string> out;
      for (const Json& d : Items(owner, "Dimensions")) out.insert(d.GetString("Name"));
      return out;
    };
    if (a.GetString("Namespace") == ns && a.GetString("MetricName") == name &&
        dim_names(a) == dims) {
      return true;
    }
    for (const Json& m : Items(a, "Metrics")) {
      const Json* stat = m.Get("MetricStat");
      const Json* metric = stat ? stat->Get("Metric") : nullptr;
      if (metric && metric->GetString("Namespace") == ns &&
          metric->GetString("MetricName") == name && dim_names(*metric) == dims) {
        return true;
      }
    }
    return false;
  }

  // A metric filter with its transformations and, for each, the alarms on its metric.
  Json Filter(const Json& f, const std::string& region, AlarmContext* ctx) const {
    Json out = Json::Object();
    SetString(out, "filterName", f, "filterName");
    const Json* pattern = f.Get("filterPattern");
    out.Set("filterPattern", pattern && pattern->is_string() ? *pattern : Json(""));
    SetString(out, "logGroupName", f, "logGroupName");
    if (auto t = Time(f, "creationTime", /*millis=*/true)) out.Set("creationTime", *t);
    const Json* alarms = RegionData(region, "metricAlarms");
    if (alarms == nullptr && ctx) {
      ctx->readable = false;
      const Json* err = ErrorOf("monitoring", "DescribeAlarms", region);
      ctx->reasons.push_back(err ? Reason(*err, "cloudwatch:DescribeAlarms")
                                 : "the alarms of " + region + " were not collected");
    }
    Json transformations = Json::Array();
    for (const Json& t : Items(f, "metricTransformations")) {
      Json x = Json::Object();
      std::string name = t.GetString("metricName");
      std::string ns = t.GetString("metricNamespace");
      x.Set("metricName", name);
      x.Set("metricNamespace", ns);
      const Json* value = t.Get("metricValue");
      x.Set("metricValue", value && value->is_string() ? *value : Json("1"));
      if (const Json* d = t.Get("defaultValue")) x.Set("defaultValue", *d);
      SetString(x, "unit", t, "unit");
      std::set<std::string> dims;
      const Json* dimensions = t.Get("dimensions");
      if (dimensions && dimensions->is_object()) {
        for (const auto& [k, v] : dimensions->members()) dims.insert(k);
        x.Set("dimensions", *dimensions);
      } else {
        x.Set("dimensions", Json::Object());
      }
      Json matched = Json::Array();
      for (const Json& a : Items(alarms)) {
        if (Watches(a, ns, name, dims)) matched.Push(Alarm(a, region, ctx));
      }
      x.Set("alarms", std::move(matched));
      transformations.Push(std::move(x));
    }
    out.Set("metricTransformations", std::move(transformations));
    return out;
  }

  // The metric filters of a log group (account and region already checked by the caller).
  Json FiltersOf(const std::string& region, const std::string& group, AlarmContext* ctx) const {
    Json out = Json::Array();
    for (const Json& f : Items(RegionData(region, "metricFilters"))) {
      if (f.GetString("logGroupName") == group) out.Push(Filter(f, region, ctx));
    }
    return out;
  }

  // --- CloudTrail -------------------------------------------------------------------------

  static bool CapturesAll(const Json& selectors) {
    for (const Json& s : Items(selectors, "EventSelectors")) {
      if (Bool(s, "IncludeManagementEvents").value_or(true) &&
          s.GetString("ReadWriteType", "All") == "All" &&
          Items(s, "ExcludeManagementEventSources").empty()) {
        return true;
      }
    }
    bool any_rw = false, read = false, write = false;
    for (const Json& s : Items(selectors, "AdvancedEventSelectors")) {
      bool management = false, narrowed = false;
      std::optional<std::vector<std::string>> read_only;
      for (const Json& f : Items(s, "FieldSelectors")) {
        std::string field = f.GetString("Field");
        std::vector<std::string> equals;
        for (const Json& e : Items(f, "Equals")) equals.push_back(e.text());
        if (field == "eventCategory") {
          management = equals == std::vector<std::string>{"Management"};
        } else if (field == "eventSource" || field == "eventName") {
          narrowed = true;
        } else if (field == "readOnly") {
          read_only = equals;
        }
      }
      if (!management || narrowed) continue;
      if (!read_only) any_rw = true;
      else if (*read_only == std::vector<std::string>{"true"}) read = true;
      else if (*read_only == std::vector<std::string>{"false"}) write = true;
    }
    return any_rw || (read && write);
  }

  Json Trails() const {
    struct Seen {
      Json first;                     // the DescribeTrails entry
      std::vector<std::string> regions;
      bool in_home = false;
    };
    std::map<std::string, Seen> trails;
    std::vector<std::string> order;
    for (const std::string& region : regions_) {
      for (const Json& t : Items(RegionData(region, "trails"))) {
        std::string arn = t.GetString("TrailARN");
        if (arn.empty()) continue;
        auto [it, fresh] = trails.try_emplace(arn);
        if (fresh) {
          it->second.first = t;
          order.push_back(arn);
        }
        it->second.regions.push_back(region);
        if (t.GetString("HomeRegion") == region && ArnField(arn, 4) == account_) {
          it->second.in_home = true;
          it->second.first = t;  // the home copy is authoritative
        }
      }
    }
    Json out = Json::Array();
    for (const std::string& arn : order) {
      const Seen& seen = trails.at(arn);
      out.Push(Trail(arn, seen.first, seen.regions, !seen.in_home));
    }
    return out;
  }

  Json Trail(const std::string& arn, const Json& t, const std::vector<std::string>& seen_in,
             bool is_shadow) const {
    Json e = Json::Object();
    std::string home = t.GetString("HomeRegion", ArnField(arn, 3));
    std::string owner = ArnField(arn, 4);
    e.Set("id", arn);
    e.Set("trailArn", arn);
    e.Set("name", t.GetString("Name", LastName(arn, '/')));
    e.Set("accountNumber", account_);
    e.Set("ownerAccountId", owner);
    e.Set("region", home);
    e.Set("homeRegion", home);
    Json regions = Json::Array();
    for (const std::string& r : seen_in) regions.Push(r);
    e.Set("regions", std::move(regions));
    e.Set("isShadow", is_shadow);
    SetBool(e, "isMultiRegionTrail", t, "IsMultiRegionTrail");
    SetBool(e, "isOrganizationTrail", t, "IsOrganizationTrail");
    SetBool(e, "includeGlobalServiceEvents", t, "IncludeGlobalServiceEvents");
    SetBool(e, "logFileValidationEnabled", t, "LogFileValidationEnabled");
    SetString(e, "kmsKeyId", t, "KmsKeyId");
    SetString(e, "s3BucketName", t, "S3BucketName");
    SetString(e, "s3KeyPrefix", t, "S3KeyPrefix");
    SetString(e, "snsTopicArn", t, "SnsTopicARN");
    if (std::string topic = t.GetString("SnsTopicARN"); !topic.empty()) {
      e.Set("snsTopicName", LastName(topic, ':'));
    }
    std::string group_arn = t.GetString("CloudWatchLogsLogGroupArn");
    SetString(e, "cloudWatchLogsLogGroupArn", t, "CloudWatchLogsLogGroupArn");
    SetString(e, "cloudWatchLogsRoleArn", t, "CloudWatchLogsRoleArn");
    SetBool(e, "hasCustomEventSelectors", t, "HasCustomEventSelectors");
    SetBool(e, "hasInsightSelectors", t, "HasInsightSelectors");

    std::vector<std::string> reasons;
    const Json* details = raw_.Get("trails") ? raw_.Get("trails")->Get(arn) : nullptr;
    const Json* status = details ? details->Get("status") : nullptr;
    if (status) {
      Json s = Json::Object();
      for (const auto& [k, v] : status->members()) {
        std::string key = LowerFirst(k);
        if (v.is_string() && v.text().empty()) continue;
        if (v.is_number() && key.ends_with("Time")) {
          s.Set(key, *Time(*status, k));
        } else {
          s.Set(key, v);
        }
      }
      e.Set("status", std::move(s));
    } else if (const Json* err = ErrorOf("cloudtrail", "GetTrailStatus", home, arn)) {
      e.Set("statusReadable", false);
      e.Set("statusUnreadableReason", Reason(*err, "cloudtrail:GetTrailStatus"));
    }
    const Json* selectors = details ? details->Get("eventSelectors") : nullptr;
    if (selectors) {
      Json basic = Json::Array();
      for (const Json& s : Items(*selectors, "EventSelectors")) {
        Json x = CamelKeys(s);
        if (!x.Get("dataResources")) x.Set("dataResources", Json::Array());
        if (!x.Get("excludeManagementEventSources")) {
          x.Set("excludeManagementEventSources", Json::Array());
        }
        basic.Push(std::move(x));
      }
      e.Set("eventSelectors", std::move(basic));
      e.Set("advancedEventSelectors", CamelKeys(ArrayOf(Items(*selectors, "AdvancedEventSelectors"))));
      e.Set("capturesAllManagementEvents", CapturesAll(*selectors));
    } else if (const Json* err = ErrorOf("cloudtrail", "GetEventSelectors", home, arn)) {
      e.Set("eventSelectorsReadable", false);
      e.Set("eventSelectorsUnreadableReason", Reason(*err, "cloudtrail:GetEventSelectors"));
    }

    AlarmContext ctx;
    Json filters = Json::Array();
    if (!group_arn.empty()) {
      // arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]
      std::string group_region = ArnField(group_arn, 3);
      std::string group_account = ArnField(group_arn, 4);
      std::string group_name = ArnField(group_arn, 6);
      e.Set("logGroupName", group_name);
      if (group_account != account_) {
        ctx.readable = false;
        ctx.reasons.push_back("log group belongs to account " + group_account +
                              (Bool(t, "IsOrganizationTrail").value_or(false)
                                   ? " (organization trail)"
                                   : ""));
      } else if (!regions_.count(group_region)) {
        ctx.readable = false;
        ctx.reasons.push_back("the log group's region " + group_region + " was not collected");
      } else if (!RegionData(group_region, "metricFilters")) {
        ctx.readable = false;
        const Json* err = ErrorOf("logs", "DescribeMetricFilters", group_region);
        ctx.reasons.push_back(err ? Reason(*err, "logs:DescribeMetricFilters")
                                  : "the metric filters of " + group_region + " were not collected");
      } else {
        filters = FiltersOf(group_region, group_name, &ctx);
      }
    }
    e.Set("metricFilters", std::move(filters));
    e.Set("hasSNSSubscriber", ctx.has_subscriber ? "true" : "false");
    bool readable = ctx.readable && ctx.reasons.empty();
    e.Set("chainReadable", readable);
    if (!readable) {
      std::vector<std::string> unique;
      for (const std::string& r : ctx.reasons) {
        if (std::find(unique.begin(), unique.end(), r) == unique.end()) unique.push_back(r);
      }
      std::string joined;
      for (const std::string& r : unique) joined += (joined.empty() ? "" : "; ") + r;
      e.Set("chainUnreadableReason", joined);
    }
    return e;
  }

  // --- Other entity types -----------------------------------------------------------------

  Json LogGroups() const {
    Json out = Json::Array();
    for (const std::string& region : regions_) {
      for (const Json& g : Items(RegionData(region, "logGroups"))) {
        Json e = Json::Object();
        std::string arn = g.GetString("arn");
        if (arn.ends_with(":*")) arn.resize(arn.size() - 2);
        std::string name = g.GetString("logGroupName");
        e.Set("id", arn.empty() ? "arn:" + std::string("aws") + ":logs:" + region + ":" +
                                      account_ + ":log-group:" + name
                                : arn);
        e.Set("name", name);
        e.Set("region", region);
        e.Set("accountNumber", account_);
        SetIf(e, "retentionInDays", Number(g, "retentionInDays"));
        SetString(e, "kmsKeyId", g, "kmsKeyId");
        SetIf(e, "storedBytes", Number(g, "storedBytes"));
        if (auto t = Time(g, "creationTime", true)) e.Set("creationTime", *t);
        e.Set("metricFilters", FiltersOf(region, name, nullptr));
        out.Push(std::move(e));
      }
    }
    return out;
  }

  Json MetricAlarms() const {
    Json out = Json::Array();
    for (const std::string& region : regions_) {
      for (const Json& a : Items(RegionData(region, "metricAlarms"))) {
        Json e = Alarm(a, region, nullptr);
        std::string arn = a.GetString("AlarmArn");
        e.Set("id", arn.empty() ? region + "/" + a.GetString("AlarmName") : arn);
        e.Set("accountNumber", account_);
        Json dims = Json::Array();
        for (const Json& d : Items(a, "Dimensions")) {
          Json x = Json::Object();
          x.Set("name", d.GetString("Name"));
          x.Set("value", d.GetString("Value"));
          dims.Push(std::move(x));
        }
        e.Set("dimensions", std::move(dims));
        e.Set("metrics", CamelKeys(ArrayOf(Items(a, "Metrics"))));
        out.Push(std::move(e));
      }
    }
    return out;
  }

  Json Topics() const {
    Json out = Json::Array();
    for (const std::string& region : regions_) {
      for (const Json& t : Items(RegionData(region, "topics"))) {
        std::string arn = t.GetString("TopicArn");
        Json e = Json::Object();
        e.Set("id", arn);
        e.Set("name", LastName(arn, ':'));
        e.Set("region", region);
        e.Set("accountNumber", account_);
        const Json* topics = raw_.Get("topics");
        const Json* d = topics ? topics->Get(arn) : nullptr;
        const Json* attrs = d ? d->Get("attributes") : nullptr;
        if (attrs) {
          SetIf(e, "subscriptionsConfirmed", Number(*attrs, "SubscriptionsConfirmed"));
          SetIf(e, "subscriptionsPending", Number(*attrs, "SubscriptionsPending"));
          SetString(e, "kmsMasterKeyId", *attrs, "KmsMasterKeyId");
          SetString(e, "displayName", *attrs, "DisplayName");
        }
        TopicView v = Topic(arn);
        e.Set("subscriptionsReadable", v.readable);
        if (!v.readable) e.Set("subscriptionsUnreadableReason", v.reason);
        e.Set("subscriptions", std::move(v.subscriptions));
        out.Push(std::move(e));
      }
    }
    return out;
  }

  Json Recorders() const {
    Json out = Json::Array();
    for (const std::string& region : regions_) {
      const Json* recorders = RegionData(region, "configurationRecorders");
      if (recorders == nullptr) continue;  // not readable: a permission gap or an error
      Json e = Json::Object();
      e.Set("id", account_ + "/" + region + "/config-recorder");
      e.Set("region", region);
      e.Set("accountNumber", account_);
      std::vector<Json> list = Items(recorders);
      bool recording = false;
      if (!list.empty()) {
        const Json& r = list.front();  // AWS allows one customer-managed recorder per region
        e.Set("name", r.GetString("name"));
        SetString(e, "roleArn", r, "roleARN");
        if (const Json* g = r.Get("recordingGroup")) e.Set("recordingGroup", *g);
        for (const Json& s : Items(RegionData(region, "configurationRecordersStatus"))) {
          if (s.GetString("name") != r.GetString("name")) continue;
          Json st = Json::Object();
          SetBool(st, "recording", s, "recording");
          recording = Bool(s, "recording").value_or(false);
          SetString(st, "lastStatus", s, "lastStatus");
          for (const char* k : {"lastStartTime", "lastStopTime", "lastStatusChangeTime"}) {
            if (auto t = Time(s, k)) st.Set(k, *t);
          }
          SetString(st, "lastErrorCode", s, "lastErrorCode");
          SetString(st, "lastErrorMessage", s, "lastErrorMessage");
          e.Set("status", std::move(st));
        }
      }
      e.Set("isRecording", recording);
      Json channels = Json::Array();
      for (const Json& c : Items(RegionData(region, "deliveryChannels"))) {
        Json x = Json::Object();
        SetString(x, "name", c, "name");
        SetString(x, "s3BucketName", c, "s3BucketName");
        SetString(x, "s3KeyPrefix", c, "s3KeyPrefix");
        SetString(x, "snsTopicArn", c, "snsTopicARN");
        channels.Push(std::move(x));
      }
      e.Set("deliveryChannels", std::move(channels));
      out.Push(std::move(e));
    }
    return out;
  }

  // --- The collection record --------------------------------------------------------------

  static std::string EntityTypeOf(std::string_view service, std::string_view op) {
    if (service == "cloudtrail") return "CloudTrail";
    if (service == "logs") return "LogGroup";
    if (service == "monitoring") return "MetricAlarm";
    if (service == "sns") return "SnsTopic";
    if (service == "config") return "ConfigurationRecorder";
    (void)op;
    return "";
  }

  Json Collection() const {
    Json c = Json::Object();
    c.Set("time", raw_.GetString("time"));
    c.Set("tool", "vigil collect");
    if (const Json* id = raw_.Get("identity")) {
      Json who = Json::Object();
      who.Set("account", id->GetString("Account"));
      who.Set("arn", id->GetString("Arn"));
      who.Set("userId", id->GetString("UserId"));
      c.Set("callerIdentity", std::move(who));
    }
    if (const Json* s = raw_.Get("credentialSource")) c.Set("credentialSource", *s);
    c.Set("homeRegion", raw_.GetString("homeRegion"));
    Json regions = Json::Array();
    for (const std::string& r : regions_) regions.Push(r);
    c.Set("regions", std::move(regions));
    c.Set("skippedRegions", raw_.Get("skippedRegions") ? *raw_.Get("skippedRegions") : Json::Array());
    Json calls = raw_.Get("calls") ? *raw_.Get("calls") : Json::Object();
    int64_t total = 0;
    for (const auto& [k, v] : calls.members()) total += static_cast<int64_t>(v.as_double());
    c.Set("totalCalls", total);
    c.Set("calls", std::move(calls));
    if (const Json* r = raw_.Get("retries")) c.Set("retries", *r);
    Json gaps = Json::Array();
    Json errors = Json::Array();
    for (const Json& e : errors_) {
      std::string cls = e.GetString("class");
      if (cls == "permission") {
        Json g = Json::Object();
        std::string type = EntityTypeOf(e.GetString("service"), e.GetString("operation"));
        // A failed region-wide listing leaves the whole type incomplete; a failure on one
        // resource is marked on the entities that depend on it (chainReadable and friends).
        if (!type.empty() && !e.Get("resource")) g.Set("entityType", type);
        g.Set("service", e.GetString("service"));
        g.Set("call", e.GetString("operation"));
        g.Set("region", e.GetString("region"));
        if (const Json* r = e.Get("resource")) g.Set("resource", *r);
        g.Set("error", e.GetString("code", "AccessDenied"));
        gaps.Push(std::move(g));
      } else if (cls != "not-found") {
        Json x = e;
        std::string type = EntityTypeOf(e.GetString("service"), e.GetString("operation"));
        if (!type.empty() && !e.Get("resource")) x.Set("entityType", type);
        errors.Push(std::move(x));
      }
    }
    c.Set("permissionGaps", std::move(gaps));
    c.Set("errors", std::move(errors));
    bool complete = c.Get("errors")->items().empty() && raw_.GetString("fatal").empty();
    c.Set("complete", complete);
    return c;
  }

  const RawAccount& raw_;
  std::string account_;
  std::set<std::string> regions_;
  std::vector<Json> errors_;
};

}  // namespace

Json BuildInventory(const RawAccount& raw) { return Builder(raw).Build(); }

}  // namespace vigil::collect
