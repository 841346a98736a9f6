// What a replay runs: log groups, the metric filters on them, the metrics they publish, and the
// alarms on those metrics (docs/replay.md §2-§3).
//
// A Plan is built once, from an inventory (the CloudTrail entities' monitoring chain, plus
// MetricAlarm entities), from the JSON that `aws logs describe-metric-filters` and
// `aws cloudwatch describe-alarms` print, or from ad hoc patterns, and is then read-only.
// Every shape error names the file and the JSON path; every filter pattern is parsed here, so a
// Plan holds only valid patterns. Alarms that cannot be evaluated (metric math, anomaly bands,
// metrics no filter publishes) are kept with the reason, for the report.
#ifndef VIGIL_REPLAY_PLAN_H_
#define VIGIL_REPLAY_PLAN_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gsl/inventory.h"
#include "pattern/ast.h"
#include "replay/alarm.h"

namespace vigil::replay {

struct LogGroup {
  std::string name;
  std::string region;               // "" when unknown (describe-metric-filters output)
  std::vector<std::string> trails;  // the trails that deliver to it (inventory plans)
  // Regions whose events it receives; empty: every region (a multi-region trail, or unknown).
  std::vector<std::string> event_regions;
};

struct Transformation {
  size_t metric = 0;                  // index into Plan::metrics
  std::string metric_value = "1";     // as written: a number or `$.field` / `$name`
  std::optional<double> literal;      // set when metric_value is a number
  std::optional<double> default_value;
  // Dimension name -> the `$.field` (or `$name`) giving its value, sorted by name.
  std::vector<std::pair<std::string, std::string>> dimensions;
};

struct Filter {
  std::string name;
  std::string pattern_text;
  pattern::Pattern pattern;
  size_t log_group = 0;
  std::vector<Transformation> transformations;
};

struct Metric {
  std::string region;  // "" when unknown
  std::string ns;
  std::string name;
  std::string Label() const { return ns + "/" + name; }
};

struct Alarm {
  AlarmSpec spec;
  std::string arn;
  std::string region;  // "" when unknown
  std::string ns, metric_name;
  std::string dimensions;  // canonical "Name=Value,..." sorted by name; "" for none
  bool actions_enabled = true;
  std::optional<size_t> metric;  // the replayed metric it watches; nullopt: not evaluated
  std::string not_evaluated;     // why, when it is not evaluated
};

struct Plan {
  std::vector<LogGroup> log_groups;
  std::vector<Filter> filters;
  std::vector<Metric> metrics;
  std::vector<Alarm> alarms;
  // What the reader of the report must know about the chain (unreadable trails, alarms on
  // metrics that no replayed filter publishes, ...), one sentence each.
  std::vector<std::string> notes;
};

struct InventoryPlanOptions {
  // Trail names (or ARNs) to replay through; empty: every trail with a log group.
  std::vector<std::string> trails;
};

// The metric filters and alarms of the inventory's CloudTrail entities (docs/inventory.md), plus
// MetricAlarm entities on the same metrics. `name` (the file name) prefixes every error.
StatusOr<Plan> PlanFromInventory(const gsl::Inventory& inventory, const std::string& name,
                                 const InventoryPlanOptions& options = {});

// The JSON printed by `aws logs describe-metric-filters` ({"metricFilters": [...]}) and, when
// `alarms_text` is set, by `aws cloudwatch describe-alarms` ({"MetricAlarms": [...]}). Filters
// on several log groups all receive the replayed events unless `log_group` names one of them.
StatusOr<Plan> PlanFromDescribe(std::string_view filters_text, const std::string& filters_name,
                                const std::optional<std::string>& alarms_text,
                                const std::string& alarms_name, const std::string& log_group = "");

// Adds an ad hoc filter `name` with metric value 1 on a log group that receives every event,
// publishing vigil-replay/<name>, and an alarm `name` on it with `spec` (its name is replaced).
Status AddAdHocPattern(Plan& plan, std::string_view text, const std::string& name, AlarmSpec spec);

// Links alarms to the plan's metrics (namespace, name and region when both are known); alarms
// on other metrics get `not_evaluated`. Called by the builders above; idempotent.
void LinkAlarms(Plan& plan);

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_PLAN_H_
