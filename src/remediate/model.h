// A typed copy of what the planner needs from an inventory (shared/docs/gsl.md §9): each trail
// with its CloudWatch Logs chain (filters -> transformations -> alarms -> actions ->
// subscriptions), and the account's log groups, metric alarms and SNS topics (§9.2), which show
// what exists beside the chain (an alarm in another namespace, a topic with a confirmed
// subscriber that no alarm uses yet).
//
// Missing or mistyped fields read as empty/false: the planner works with what was collected, and
// the scan has already reported what could not be read.
#ifndef VIGIL_REMEDIATE_MODEL_H_
#define VIGIL_REMEDIATE_MODEL_H_

#include <optional>
#include <string>
#include <vector>

#include "gsl/inventory.h"

namespace vigil::remediate {

struct Subscription {
  std::string arn, topic_arn, protocol, endpoint;
  bool confirmed = false;
};

struct AlarmAction {
  std::string arn, type;  // type: sns, autoscaling, ...
  bool subscriptions_readable = true;
  std::vector<Subscription> subscriptions;
  bool HasConfirmed() const;
};

struct Alarm {
  std::string name, arn, region, description;
  bool actions_enabled = false;
  std::string metric_name, namespace_, statistic, extended_statistic, comparison_operator;
  std::string treat_missing_data, unit;
  std::optional<double> period, evaluation_periods, datapoints_to_alarm, threshold;
  std::vector<std::string> ok_actions, insufficient_data_actions;
  std::vector<AlarmAction> actions;
  std::vector<std::pair<std::string, std::string>> dimensions;  // MetricAlarm entities only
  bool metric_math = false;  // has metrics[] (a metric-math alarm)
  // Notifies an SNS topic with a confirmed subscriber while actions are enabled.
  bool Reaches() const;
};

struct Transformation {
  std::string metric_name, metric_namespace, metric_value;
  std::vector<Alarm> alarms;
};

struct MetricFilter {
  std::string name, pattern, log_group;
  std::vector<Transformation> transformations;
};

struct Trail {
  std::string arn, name, home_region, account, owner_account;
  bool is_shadow = false, multi_region = false, organization = false, logging = false;
  bool captures_all_management = false, chain_readable = true;
  std::string chain_unreadable_reason;
  std::string log_group_arn, log_group_name, logs_role_arn;
  std::vector<MetricFilter> filters;
};

struct Topic {
  std::string arn, name, region;
  int confirmed = 0, pending = 0;
  std::vector<Subscription> subscriptions;
};

struct LogGroup {
  std::string name, region, arn;
};

struct Model {
  std::string account_id, account_name;
  std::vector<Trail> trails;
  std::vector<Alarm> alarms;  // MetricAlarm entities
  std::vector<Topic> topics;  // SnsTopic entities
  std::vector<LogGroup> log_groups;
  bool has_alarms = false, has_topics = false, has_log_groups = false;  // types collected
};

Model ReadModel(const gsl::Inventory& inventory);

// "aws", "aws-cn" or "aws-us-gov" for a region name.
std::string PartitionOf(const std::string& region);
// Region and account of an ARN ("arn:partition:service:region:account:..."), or empty.
std::string ArnRegion(const std::string& arn);
std::string ArnAccount(const std::string& arn);

}  // namespace vigil::remediate

#endif  // VIGIL_REMEDIATE_MODEL_H_
