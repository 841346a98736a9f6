#include "replay/plan.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/text.h"
#include "pattern/parser.h"

namespace vigil::replay {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// A member by its camelCase name or the PascalCase spelling of the CloudWatch API.
bool Member(const object& o, std::string_view camel, element* out) {
  if (!o[camel].get(*out)) return true;
  std::string pascal(camel);
  if (!pascal.empty()) pascal[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(pascal[0])));
  return !o[pascal].get(*out);
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Status Error(const std::string& path, const std::string& what) const {
    return InvalidArgument(fmt::format("{}: {}: {}", file_, path, what));
  }
  StatusOr<std::optional<std::string>> OptString(const object& o, const std::string& path,
                                                 std::string_view key) const {
    element e;
    if (!Member(o, key, &e) || e.is_null()) return std::optional<std::string>();
    std::string_view s;
    if (e.get_string().get(s)) return Error(path + "." + std::string(key), "expected a string");
    return std::optional<std::string>(std::string(s));
  }
  StatusOr<std::string> String(const object& o, const std::string& path,
                               std::string_view key) const {
    auto s = OptString(o, path, key);
    if (!s.ok()) return s.status();
    if (!s->has_value()) return Error(path, fmt::format("expected a string \"{}\"", key));
    return std::move(**s);
  }
  StatusOr<std::optional<double>> OptNumber(const object& o, const std::string& path,
                                            std::string_view key) const {
    element e;
    if (!Member(o, key, &e) || e.is_null()) return std::optional<double>();
    double d;
    if (e.get_double().get(d)) {
      // The AWS CLI prints numbers; hand-written files sometimes quote them.
      std::string_view s;
      if (!e.get_string().get(s)) {
        if (auto v = ParsePatternNumber(s)) return std::optional<double>(*v);
      }
      return Error(path + "." + std::string(key), "expected a number");
    }
    return std::optional<double>(d);
  }
  StatusOr<std::optional<bool>> OptBool(const object& o, const std::string& path,
                                        std::string_view key) const {
    element e;
    if (!Member(o, key, &e) || e.is_null()) return std::optional<bool>();
    bool b;
    if (e.get_bool().get(b)) return Error(path + "." + std::string(key), "expected true or false");
    return std::optional<bool>(b);
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

#define ASSIGN_OR_RETURN(lhs, expr)      \
  auto lhs##_or = (expr);                \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

size_t InternMetric(Plan& plan, const std::string& region, const std::string& ns,
                    const std::string& name) {
  for (size_t i = 0; i < plan.metrics.size(); ++i) {
    const Metric& m = plan.metrics[i];
    if (m.region == region && m.ns == ns && m.name == name) return i;
  }
  plan.metrics.push_back({region, ns, name});
  return plan.metrics.size() - 1;
}

std::optional<double> Number(std::string_view s) { return ParsePatternNumber(TrimSpace(s)); }

// One entry of metricFilters[] (inventory or describe-metric-filters: the same camelCase shape).
Status AddFilter(Plan& plan, const Reader& r, const object& f, const std::string& path,
                 size_t log_group) {
  ASSIGN_OR_RETURN(name, r.String(f, path, "filterName"));
  ASSIGN_OR_RETURN(text, r.OptString(f, path, "filterPattern"));
  // An empty pattern matches every event (filter-patterns.md); the API omits it then.
  std::string pattern_text = text.value_or("");
  for (const Filter& other : plan.filters) {
    if (other.log_group == log_group && other.name == name) return Status::Ok();  // seen
  }
  pattern::ParseResult parsed = pattern::Parse(pattern_text);
  if (!parsed.ok()) {
    return r.Error(path + ".filterPattern",
                   fmt::format("filter {} is not a valid filter pattern:\n{}", QuoteForMessage(name),
                               pattern::FormatDiagnostic(pattern_text, parsed.error)));
  }
  Filter filter{name, pattern_text, std::move(*parsed.pattern), log_group, {}};
  const LogGroup& lg = plan.log_groups[log_group];
  array ts;
  if (f["metricTransformations"].get_array().get(ts)) {
    return r.Error(path, "expected an array \"metricTransformations\"");
  }
  size_t ti = 0;
  for (element te : ts) {
    std::string tpath = fmt::format("{}.metricTransformations[{}]", path, ti++);
    object t;
    if (te.get_object().get(t)) return r.Error(tpath, "expected an object");
    ASSIGN_OR_RETURN(metric_name, r.String(t, tpath, "metricName"));
    ASSIGN_OR_RETURN(ns, r.String(t, tpath, "metricNamespace"));
    Transformation tr;
    tr.metric = InternMetric(plan, lg.region, ns, metric_name);
    element mv;
    if (t["metricValue"].get(mv)) return r.Error(tpath, "expected \"metricValue\"");
    std::string_view mvs;
    double mvd;
    if (!mv.get_string().get(mvs)) {
      tr.metric_value = std::string(mvs);
      tr.literal = Number(mvs);
      if (!tr.literal && !(mvs.size() > 1 && mvs[0] == '$')) {
        return r.Error(tpath + ".metricValue",
                       fmt::format("expected a number or a `$.field` reference, got {}",
                                   QuoteForMessage(mvs)));
      }
    } else if (!mv.get_double().get(mvd)) {
      tr.literal = mvd;
      tr.metric_value = FormatNumber(mvd);
    } else {
      return r.Error(tpath + ".metricValue", "expected a string");
    }
    ASSIGN_OR_RETURN(dv, r.OptNumber(t, tpath, "defaultValue"));
    tr.default_value = dv;
    object dims;
    if (!t["dimensions"].get_object().get(dims)) {
      for (auto [k, v] : dims) {
        std::string_view vs;
        if (v.get_string().get(vs)) {
          return r.Error(fmt::format("{}.dimensions.{}", tpath, k), "expected a string");
        }
        tr.dimensions.emplace_back(std::string(k), std::string(vs));
      }
      std::sort(tr.dimensions.begin(), tr.dimensions.end());
    }
    if (tr.default_value && !tr.dimensions.empty()) {
      return r.Error(tpath, "a transformation with dimensions cannot have a defaultValue "
                            "(CloudWatch Logs rejects it)");
    }
    filter.transformations.push_back(std::move(tr));
  }
  plan.filters.push_back(std::move(filter));
  return Status::Ok();
}

std::string CanonicalDimensions(std::vector<std::pair<std::string, std::string>> dims) {
  std::sort(dims.begin(), dims.end());
  std::string out;
  for (const auto& [k, v] : dims) {
    if (!out.empty()) out += ',';
    out += k + "=" + v;
  }
  return out;
}

std::string RegionFromArn(std::string_view arn) {
  // arn:partition:service:region:account:...
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return "";
    ++pos;
  }
  size_t end = arn.find(':', pos);
  if (end == std::string_view::npos) return "";
  return std::string(arn.substr(pos, end - pos));
}

// An alarm in the inventory's camelCase or describe-alarms' PascalCase.
Status ParseAlarm(const Reader& r, const object& a, const std::string& path,
                  const std::string& default_region, Alarm* out) {
  element e;
  std::string name;
  {
    ASSIGN_OR_RETURN(n1, r.OptString(a, path, "alarmName"));
    if (n1) {
      name = *n1;
    } else {
      ASSIGN_OR_RETURN(n2, r.String(a, path, "name"));
      name = n2;
    }
  }
  out->spec.name = name;
  {
    ASSIGN_OR_RETURN(arn, r.OptString(a, path, "alarmArn"));
    if (!arn) {
      ASSIGN_OR_RETURN(arn2, r.OptString(a, path, "arn"));
      arn = arn2;
    }
    out->arn = arn.value_or("");
  }
  {
    ASSIGN_OR_RETURN(region, r.OptString(a, path, "region"));
    out->region = region ? *region : (!out->arn.empty() ? RegionFromArn(out->arn) : default_region);
  }
  ASSIGN_OR_RETURN(enabled, r.OptBool(a, path, "actionsEnabled"));
  out->actions_enabled = enabled.value_or(true);
  ASSIGN_OR_RETURN(metric_name, r.OptString(a, path, "metricName"));
  ASSIGN_OR_RETURN(ns, r.OptString(a, path, "namespace"));
  array math;
  if (Member(a, "metrics", &e) && !e.get_array().get(math) && math.size() > 0) {
    out->metric_name = metric_name.value_or("");
    out->ns = ns.value_or("");
    out->not_evaluated = "a metric math alarm (Metrics); a replay evaluates single-metric alarms";
    return Status::Ok();
  }
  if (!metric_name || !ns) {
    return r.Error(path, fmt::format("alarm {}: expected \"MetricName\" and \"Namespace\"",
                                     QuoteForMessage(name)));
  }
  out->metric_name = *metric_name;
  out->ns = *ns;
  ASSIGN_OR_RETURN(stat, r.OptString(a, path, "statistic"));
  ASSIGN_OR_RETURN(ext, r.OptString(a, path, "extendedStatistic"));
  if (!stat && ext) {
    out->not_evaluated = fmt::format("extended statistic {} is not supported", *ext);
    return Status::Ok();
  }
  if (!stat) return r.Error(path, fmt::format("alarm {}: expected \"Statistic\"", name));
  auto st = ParseStatistic(*stat);
  if (!st.ok()) return r.Error(path + ".statistic", st.status().message());
  out->spec.statistic = *st;
  ASSIGN_OR_RETURN(period, r.OptNumber(a, path, "period"));
  ASSIGN_OR_RETURN(evals, r.OptNumber(a, path, "evaluationPeriods"));
  ASSIGN_OR_RETURN(dta, r.OptNumber(a, path, "datapointsToAlarm"));
  ASSIGN_OR_RETURN(threshold, r.OptNumber(a, path, "threshold"));
  ASSIGN_OR_RETURN(cmp, r.OptString(a, path, "comparisonOperator"));
  ASSIGN_OR_RETURN(tmd, r.OptString(a, path, "treatMissingData"));
  if (!period || !evals || !cmp) {
    return r.Error(path, fmt::format("alarm {}: expected \"Period\", \"EvaluationPeriods\" and "
                                     "\"ComparisonOperator\"",
                                     name));
  }
  out->spec.period_seconds = static_cast<int64_t>(*period);
  out->spec.evaluation_periods = static_cast<int>(*evals);
  out->spec.datapoints_to_alarm = dta ? static_cast<int>(*dta) : out->spec.evaluation_periods;
  auto c = ParseComparison(*cmp);
  if (!c.ok()) return r.Error(path + ".comparisonOperator", c.status().message());
  out->spec.comparison = *c;
  if (!threshold) {
    if (*c == Comparison::kGreaterThanOrEqualToThreshold || *c == Comparison::kGreaterThanThreshold ||
        *c == Comparison::kLessThanThreshold || *c == Comparison::kLessThanOrEqualToThreshold) {
      return r.Error(path, fmt::format("alarm {}: expected \"Threshold\"", name));
    }
  }
  out->spec.threshold = threshold.value_or(0);
  if (tmd) {
    auto m = ParseMissingData(*tmd);
    if (!m.ok()) return r.Error(path + ".treatMissingData", m.status().message());
    out->spec.treat_missing_data = *m;
  }
  std::vector<std::pair<std::string, std::string>> dims;
  array da;
  if (Member(a, "dimensions", &e) && !e.get_array().get(da)) {
    size_t di = 0;
    for (element d : da) {
      std::string dpath = fmt::format("{}.dimensions[{}]", path, di++);
      object dobj;
      if (d.get_object().get(dobj)) return r.Error(dpath, "expected {\"Name\", \"Value\"}");
      ASSIGN_OR_RETURN(dn, r.String(dobj, dpath, "name"));
      ASSIGN_OR_RETURN(dv, r.String(dobj, dpath, "value"));
      dims.emplace_back(dn, dv);
    }
  }
  out->dimensions = CanonicalDimensions(std::move(dims));
  Status valid = Validate(out->spec);
  if (!valid.ok()) out->not_evaluated = valid.message();
  return Status::Ok();
}

bool SameAlarm(const Alarm& a, const Alarm& b) {
  if (!a.arn.empty() && !b.arn.empty()) return a.arn == b.arn;
  return a.spec.name == b.spec.name && a.region == b.region;
}

void AddAlarm(Plan& plan, Alarm alarm) {
  for (const Alarm& a : plan.alarms) {
    if (SameAlarm(a, alarm)) return;
  }
  plan.alarms.push_back(std::move(alarm));
}

// "arn:aws:logs:us-east-1:111122223333:log-group:NAME:*" -> (region, NAME)
std::optional<std::pair<std::string, std::string>> LogGroupFromArn(std::string_view arn) {
  size_t pos = arn.find(":log-group:");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view name = arn.substr(pos + 11);
  if (name.ends_with(":*")) name.remove_suffix(2);
  return std::make_pair(RegionFromArn(arn), std::string(name));
}

}  // namespace

void LinkAlarms(Plan& plan) {
  std::set<std::string> published_names;
  for (const Metric& m : plan.metrics) published_names.insert(m.name);
  for (Alarm& a : plan.alarms) {
    a.metric.reset();
    if (!a.not_evaluated.empty() && a.not_evaluated.find("no replayed metric filter") == 0) {
      a.not_evaluated.clear();
    }
    if (!a.not_evaluated.empty()) continue;
    for (size_t i = 0; i < plan.metrics.size(); ++i) {
      const Metric& m = plan.metrics[i];
      bool region_ok = m.region.empty() || a.region.empty() || m.region == a.region;
      if (region_ok && m.ns == a.ns && m.name == a.metric_name) {
        a.metric = i;
        break;
      }
    }
    if (!a.metric) {
      a.not_evaluated = fmt::format("no replayed metric filter publishes {}/{}{}", a.ns,
                                    a.metric_name, a.region.empty() ? "" : " in " + a.region);
    }
  }
}

StatusOr<Plan> PlanFromInventory(const gsl::Inventory& inventory, const std::string& name,
                                 const InventoryPlanOptions& options) {
  Plan plan;
  Reader r(name);
  std::set<std::string> wanted(options.trails.begin(), options.trails.end());
  std::set<std::string> found;
  size_t index = 0;
  std::vector<Alarm> chain_alarms;
  for (const element& te : inventory.Entities("CloudTrail")) {
    std::string path = fmt::format("entities.CloudTrail[{}]", index++);
    object trail;
    if (te.get_object().get(trail)) return r.Error(path, "expected an object");
    ASSIGN_OR_RETURN(id, r.String(trail, path, "id"));
    ASSIGN_OR_RETURN(tname, r.OptString(trail, path, "name"));
    std::string trail_name = tname.value_or(id);
    if (!wanted.empty()) {
      if (!wanted.count(trail_name) && !wanted.count(id)) continue;
      found.insert(wanted.count(trail_name) ? trail_name : id);
    }
    ASSIGN_OR_RETURN(region, r.OptString(trail, path, "region"));
    ASSIGN_OR_RETURN(home, r.OptString(trail, path, "homeRegion"));
    ASSIGN_OR_RETURN(lg_arn, r.OptString(trail, path, "cloudWatchLogsLogGroupArn"));
    ASSIGN_OR_RETURN(lg_name, r.OptString(trail, path, "logGroupName"));
    ASSIGN_OR_RETURN(multi, r.OptBool(trail, path, "isMultiRegionTrail"));
    ASSIGN_OR_RETURN(readable, r.OptBool(trail, path, "chainReadable"));
    ASSIGN_OR_RETURN(unreadable_reason, r.OptString(trail, path, "chainUnreadableReason"));
    std::string trail_region = home.value_or(region.value_or(""));
    std::string group_region = trail_region, group_name;
    if (lg_arn) {
      if (auto g = LogGroupFromArn(*lg_arn)) std::tie(group_region, group_name) = *g;
    }
    if (group_name.empty() && lg_name) group_name = *lg_name;
    if (group_name.empty()) {
      plan.notes.push_back(fmt::format(
          "trail {} does not deliver to CloudWatch Logs: no metric filter sees its events",
          trail_name));
      continue;
    }
    if (readable.has_value() && !*readable) {
      plan.notes.push_back(fmt::format(
          "trail {} delivers to log group {}{}, whose metric filters and alarms could not be read "
          "({}): not replayed",
          trail_name, group_name, group_region.empty() ? "" : " in " + group_region,
          unreadable_reason.value_or("no reason recorded")));
      continue;
    }
    size_t lg = plan.log_groups.size();
    for (size_t i = 0; i < plan.log_groups.size(); ++i) {
      if (plan.log_groups[i].name == group_name && plan.log_groups[i].region == group_region) lg = i;
    }
    if (lg == plan.log_groups.size()) plan.log_groups.push_back({group_name, group_region, {}, {}});
    LogGroup& group = plan.log_groups[lg];
    bool all_regions = multi.value_or(false) || trail_region.empty();
    if (group.trails.empty()) {
      if (!all_regions) group.event_regions.push_back(trail_region);
    } else if (!group.event_regions.empty()) {
      if (all_regions) {
        group.event_regions.clear();
      } else if (std::find(group.event_regions.begin(), group.event_regions.end(),
                           trail_region) == group.event_regions.end()) {
        group.event_regions.push_back(trail_region);
      }
    }
    group.trails.push_back(trail_name);
    array filters;
    if (trail["metricFilters"].get_array().get(filters)) continue;
    size_t fi = 0;
    for (element fe : filters) {
      std::string fpath = fmt::format("{}.metricFilters[{}]", path, fi++);
      object f;
      if (fe.get_object().get(f)) return r.Error(fpath, "expected an object");
      VIGIL_RETURN_IF_ERROR(AddFilter(plan, r, f, fpath, lg));
      array ts;
      if (f["metricTransformations"].get_array().get(ts)) continue;
      size_t ti = 0;
      for (element t : ts) {
        std::string tpath = fmt::format("{}.metricTransformations[{}]", fpath, ti++);
        array alarms;
        if (t["alarms"].get_array().get(alarms)) continue;
        size_t ai = 0;
        for (element ae : alarms) {
          std::string apath = fmt::format("{}.alarms[{}]", tpath, ai++);
          object ao;
          if (ae.get_object().get(ao)) return r.Error(apath, "expected an object");
          Alarm alarm;
          VIGIL_RETURN_IF_ERROR(ParseAlarm(r, ao, apath, group_region, &alarm));
          AddAlarm(plan, std::move(alarm));
        }
      }
    }
  }
  for (const std::string& t : wanted) {
    if (!found.count(t)) {
      return InvalidArgument(fmt::format("{}: no CloudTrail entity named {}", name,
                                         QuoteForMessage(t)));
    }
  }
  // MetricAlarm entities: other alarms on the replayed metrics, and alarms that look meant for
  // them but watch another namespace or region (reported, not evaluated).
  std::set<std::string> names;
  for (const Metric& m : plan.metrics) names.insert(m.name);
  index = 0;
  for (const element& ae : inventory.Entities("MetricAlarm")) {
    std::string path = fmt::format("entities.MetricAlarm[{}]", index++);
    object ao;
    if (ae.get_object().get(ao)) return r.Error(path, "expected an object");
    Alarm alarm;
    VIGIL_RETURN_IF_ERROR(ParseAlarm(r, ao, path, "", &alarm));
    if (!names.count(alarm.metric_name)) continue;
    AddAlarm(plan, std::move(alarm));
  }
  LinkAlarms(plan);
  return plan;
}

StatusOr<Plan> PlanFromDescribe(std::string_view filters_text, const std::string& filters_name,
                                const std::optional<std::string>& alarms_text,
                                const std::string& alarms_name, const std::string& log_group) {
  Plan plan;
  simdjson::dom::parser parser;
  element root;
  simdjson::padded_string ftext(filters_text);
  if (auto err = parser.parse(ftext).get(root)) {
    return InvalidArgument(fmt::format("{}: not a valid JSON document: {}", filters_name,
                                       simdjson::error_message(err)));
  }
  Reader r(filters_name);
  array filters;
  object ro;
  if (!root.get_object().get(ro)) {
    if (ro["metricFilters"].get_array().get(filters)) {
      return InvalidArgument(fmt::format(
          "{}: expected the output of `aws logs describe-metric-filters`: an object with an "
          "array \"metricFilters\"",
          filters_name));
    }
  } else if (root.get_array().get(filters)) {
    return InvalidArgument(fmt::format("{}: expected {{\"metricFilters\": [...]}}", filters_name));
  }
  size_t fi = 0;
  bool group_found = log_group.empty();
  for (element fe : filters) {
    std::string fpath = fmt::format("metricFilters[{}]", fi++);
    object f;
    if (fe.get_object().get(f)) return r.Error(fpath, "expected an object");
    ASSIGN_OR_RETURN(group, r.OptString(f, fpath, "logGroupName"));
    std::string gname = group.value_or("(unnamed log group)");
    if (!log_group.empty() && gname != log_group) continue;
    group_found = true;
    size_t lg = plan.log_groups.size();
    for (size_t i = 0; i < plan.log_groups.size(); ++i) {
      if (plan.log_groups[i].name == gname) lg = i;
    }
    if (lg == plan.log_groups.size()) plan.log_groups.push_back({gname, "", {}, {}});
    VIGIL_RETURN_IF_ERROR(AddFilter(plan, r, f, fpath, lg));
  }
  if (!group_found) {
    return InvalidArgument(fmt::format("{}: no metric filter on log group {}", filters_name,
                                       QuoteForMessage(log_group)));
  }
  if (alarms_text) {
    simdjson::dom::parser aparser;
    simdjson::padded_string atext(*alarms_text);
    element aroot;
    if (auto err = aparser.parse(atext).get(aroot)) {
      return InvalidArgument(fmt::format("{}: not a valid JSON document: {}", alarms_name,
                                         simdjson::error_message(err)));
    }
    Reader ar(alarms_name);
    object ao;
    array alarms;
    if (aroot.get_object().get(ao) || ao["MetricAlarms"].get_array().get(alarms)) {
      return InvalidArgument(fmt::format(
          "{}: expected the output of `aws cloudwatch describe-alarms`: an object with an array "
          "\"MetricAlarms\"",
          alarms_name));
    }
    size_t ai = 0;
    for (element ae : alarms) {
      std::string apath = fmt::format("MetricAlarms[{}]", ai++);
      object a;
      if (ae.get_object().get(a)) return ar.Error(apath, "expected an object");
      Alarm alarm;
      VIGIL_RETURN_IF_ERROR(ParseAlarm(ar, a, apath, "", &alarm));
      AddAlarm(plan, std::move(alarm));
    }
    array composite;
    if (!ao["CompositeAlarms"].get_array().get(composite) && composite.size() > 0) {
      plan.notes.push_back(fmt::format("{}: {} composite alarm(s) not evaluated (a replay "
                                       "evaluates metric alarms)",
                                       alarms_name, composite.size()));
    }
  }
  LinkAlarms(plan);
  return plan;
}

Status AddAdHocPattern(Plan& plan, std::string_view text, const std::string& name,
                       AlarmSpec spec) {
  pattern::ParseResult parsed = pattern::Parse(text);
  if (!parsed.ok()) {
    return InvalidArgument(fmt::format("--pattern ({}) is not a valid filter pattern:\n{}", name,
                                       pattern::FormatDiagnostic(text, parsed.error)));
  }
  size_t lg = plan.log_groups.size();
  for (size_t i = 0; i < plan.log_groups.size(); ++i) {
    if (plan.log_groups[i].name == "(ad hoc)") lg = i;
  }
  if (lg == plan.log_groups.size()) plan.log_groups.push_back({"(ad hoc)", "", {}, {}});
  Transformation t;
  t.metric = InternMetric(plan, "", "vigil-replay", name);
  t.literal = 1;
  plan.filters.push_back({name, std::string(text), std::move(*parsed.pattern), lg, {t}});
  spec.name = name;
  VIGIL_RETURN_IF_ERROR(Validate(spec));
  Alarm alarm;
  alarm.spec = spec;
  alarm.ns = "vigil-replay";
  alarm.metric_name = name;
  plan.alarms.push_back(std::move(alarm));
  LinkAlarms(plan);
  return Status::Ok();
}

}  // namespace vigil::replay
