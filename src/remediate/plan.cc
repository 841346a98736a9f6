#include "remediate/plan.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/text.h"
#include "pattern/parser.h"
#include "pattern/relation.h"
#include "remediate/model.h"
#include "remediate/requirement.h"
#include "rules/scan.h"

namespace vigil::remediate {

// ---- Value ----------------------------------------------------------------------------------

Value Value::Str(std::string s) {
  Value v;
  v.kind = Kind::kString;
  v.text = std::move(s);
  return v;
}
Value Value::Num(std::string text) {
  Value v;
  v.kind = Kind::kNumber;
  v.text = std::move(text);
  return v;
}
Value Value::Bool(bool b) {
  Value v;
  v.kind = Kind::kBool;
  v.boolean = b;
  return v;
}
Value Value::List(std::vector<Value> items) {
  Value v;
  v.kind = Kind::kList;
  v.items = std::move(items);
  return v;
}
Value Value::Object() {
  Value v;
  v.kind = Kind::kObject;
  return v;
}
Value Value::Ref(int step, std::string field, std::string known) {
  Value v;
  v.kind = Kind::kRef;
  v.step = step;
  v.text = std::move(field);
  v.known = std::move(known);
  return v;
}
Value Value::Param(std::string name) {
  Value v;
  v.kind = Kind::kParam;
  v.text = std::move(name);
  return v;
}
Value& Value::Add(std::string name, Value v) {
  members.emplace_back(std::move(name), std::move(v));
  return *this;
}
const Value* Value::Get(std::string_view name) const {
  for (const auto& [k, v] : members) {
    if (k == name) return &v;
  }
  return nullptr;
}
std::string Value::GetString(std::string_view name) const {
  const Value* v = Get(name);
  return v && v->kind == Kind::kString ? v->text : "";
}

namespace {

// ---- The planner --------------------------------------------------------------------------

constexpr int kNoStep = -1;

std::string UniqueName(const std::string& base, const std::set<std::string>& taken) {
  if (!taken.count(base)) return base;
  for (int i = 2;; ++i) {
    std::string n = fmt::format("{}-{}", base, i);
    if (!taken.count(n)) return n;
  }
}

std::string TopicName(const std::string& arn) {
  size_t p = arn.rfind(':');
  return p == std::string::npos ? arn : arn.substr(p + 1);
}

std::string IamRegion(const std::string& partition) {
  if (partition == "aws-cn") return "cn-north-1";
  if (partition == "aws-us-gov") return "us-gov-west-1";
  return "us-east-1";
}

// Where the plan's alarms notify, chosen once for the whole plan.
struct Target {
  std::string topic_arn;     // an existing topic; empty when the plan creates one
  bool confirmed = false;    // the topic already has a confirmed subscriber
  bool subscribe = false;    // the plan subscribes an endpoint to it
  std::string why;           // why this topic
  int topic_step = kNoStep;  // the CreateTopic step, once emitted
  int subscribe_step = kNoStep;
  bool emitted = false;
};

struct RuleWork {
  const rules::Rule* rule = nullptr;
  gsl::Status status = gsl::Status::kFailed;
  Requirement req;
};

// A metric filter the plan creates, so that later rules can share it.
struct NewFilter {
  std::string name, pattern_text;
  pattern::Pattern pattern;
  int filter_step = kNoStep, alarm_step = kNoStep;
};

// What it takes to complete the chain behind one existing filter.
struct ChainFix {
  enum class Kind { kNone, kEnable, kRePut, kNewAlarm, kSubscribeShared };
  Kind kind = Kind::kNone;
  const Alarm* alarm = nullptr;   // kEnable, kRePut: the alarm changed
  std::string new_namespace;      // kRePut: corrected namespace (empty: keep)
  const Transformation* metric = nullptr;
  std::string reason;
  int cost = 0;
};

class Planner {
 public:
  Planner(const Model& model, const PlanOptions& options, Plan& plan)
      : m_(model), o_(options), p_(plan) {}

  void Run(std::vector<RuleWork>& work);

 private:
  bool ChooseTrail();
  void PrepareTarget();
  void EnsureLogGroup();
  Value TargetValue();
  int AddStep(Step s) {
    p_.steps.push_back(std::move(s));
    return static_cast<int>(p_.steps.size()) - 1;
  }
  void Serve(int step, const std::string& rule_id) {
    if (step == kNoStep) return;
    auto& r = p_.steps[step].rules;
    if (std::find(r.begin(), r.end(), rule_id) == r.end()) r.push_back(rule_id);
  }
  bool Satisfies(const std::string& filter_pattern, const Requirement& req,
                 pattern::Relation* relation);
  ChainFix FixFor(const MetricFilter& f);
  void Apply(const ChainFix& fix, const MetricFilter& f, const RuleWork& w, RuleOutcome& out);
  void NewFilterFor(const RuleWork& w, RuleOutcome& out, const std::string& why);
  Value AlarmParams(const Alarm& a, const std::string& ns, bool add_target);

  const Model& m_;
  const PlanOptions& o_;
  Plan& p_;
  const Trail* trail_ = nullptr;
  std::string region_, partition_, log_group_;
  bool new_log_group_ = false;
  bool log_group_steps_done_ = false;
  std::vector<int> setup_steps_;  // log group, role, policy, trail update
  Target target_;
  std::vector<NewFilter> new_filters_;
  std::set<std::string> filter_names_, alarm_names_, metric_names_;
  std::map<std::string, std::pair<bool, pattern::Relation>> relation_cache_;
  std::map<std::string, std::optional<pattern::Pattern>> parsed_;
};

bool Planner::ChooseTrail() {
  std::vector<const Trail*> good;
  const Trail* own_partial = nullptr;
  for (const Trail& t : m_.trails) {
    bool own = t.owner_account == m_.account_id && !t.is_shadow;
    if (!own) continue;
    if (t.multi_region && t.logging && t.captures_all_management) {
      good.push_back(&t);
    } else if (!own_partial && t.multi_region) {
      own_partial = &t;
    }
  }
  if (good.empty()) {
    std::string need;
    if (own_partial) {
      need = fmt::format(
          "no trail of account {} is multi-region, logging and recording every management "
          "event; trail {} is multi-region but {}: fix that first (VIGIL.AWS.CIS.3.1), then run "
          "vigil fix again",
          m_.account_id, own_partial->name,
          !own_partial->logging ? "is not logging (aws cloudtrail start-logging)"
                                : "does not record every management event (its event selectors)");
    } else {
      need = fmt::format(
          "no trail of account {} is multi-region, logging and recording every management "
          "event; create one (CIS 3.1, aws cloudtrail create-trail --is-multi-region-trail, then "
          "start-logging), then run vigil fix again",
          m_.account_id);
    }
    for (const Trail& t : m_.trails) {
      if (t.owner_account != m_.account_id && t.organization) {
        need += fmt::format("; the organization trail {} belongs to account {} and is fixed there",
                            t.name, t.owner_account);
        break;
      }
    }
    p_.trail_choice = need;
    return false;
  }
  // Prefer a trail that already delivers to CloudWatch Logs and whose chain was read, then the
  // one with the most filters (the least to add), then the name.
  std::stable_sort(good.begin(), good.end(), [](const Trail* a, const Trail* b) {
    bool la = !a->log_group_name.empty() && a->chain_readable;
    bool lb = !b->log_group_name.empty() && b->chain_readable;
    if (la != lb) return la;
    if (a->filters.size() != b->filters.size()) return a->filters.size() > b->filters.size();
    return a->name < b->name;
  });
  trail_ = good[0];
  region_ = trail_->home_region;
  partition_ = PartitionOf(region_);
  p_.trail_arn = trail_->arn;
  p_.trail_name = trail_->name;
  p_.trail_region = region_;
  std::string why = "the account's multi-region trail that is logging and records every "
                    "management event";
  if (good.size() > 1) {
    why += fmt::format(" (of {} such trails, the one {})", good.size(),
                       trail_->log_group_name.empty() ? "first by name"
                                                      : "that already delivers to CloudWatch Logs "
                                                        "with the most metric filters");
  }
  if (trail_->log_group_name.empty() || !trail_->chain_readable) {
    new_log_group_ = true;
    log_group_ = o_.log_group.empty() ? "CloudTrail/" + trail_->name : o_.log_group;
    if (!trail_->chain_readable && !trail_->log_group_name.empty()) {
      // The trail delivers somewhere this account cannot read: leave it alone.
      p_.trail_choice = why;
      p_.notes.push_back(fmt::format("the chain of trail {} could not be read ({}); collect it "
                                     "with the permissions to read it, then run vigil fix again",
                                     trail_->name, trail_->chain_unreadable_reason));
      trail_ = nullptr;
      return false;
    }
    why += "; it does not deliver to CloudWatch Logs yet";
  } else {
    log_group_ = trail_->log_group_name;
    if (!o_.log_group.empty() && o_.log_group != log_group_) {
      p_.notes.push_back(fmt::format("--log-group {} is not used: trail {} already delivers to "
                                     "log group {}",
                                     QuoteForMessage(o_.log_group), trail_->name, log_group_));
    }
  }
  p_.log_group = log_group_;
  p_.trail_choice = why;
  for (const auto& f : trail_->filters) {
    filter_names_.insert(f.name);
    for (const auto& t : f.transformations) {
      metric_names_.insert(t.metric_namespace + "\n" + t.metric_name);
      for (const auto& a : t.alarms) alarm_names_.insert(a.name);
    }
  }
  for (const auto& a : m_.alarms) {
    if (a.region == region_ || a.region.empty()) {
      alarm_names_.insert(a.name);
      metric_names_.insert(a.namespace_ + "\n" + a.metric_name);
    }
  }
  return true;
}

void Planner::EnsureLogGroup() {
  if (!new_log_group_ || log_group_steps_done_) return;
  log_group_steps_done_ = true;
  std::string account = m_.account_id;
  std::string lg_arn = fmt::format("arn:{}:logs:{}:{}:log-group:{}:*", partition_, region_,
                                   account, log_group_);
  bool exists = false;
  for (const auto& g : m_.log_groups) exists |= g.name == log_group_ && g.region == region_;
  if (!exists) {
    Step s;
    s.service = "logs";
    s.region = region_;
    s.operation = "CreateLogGroup";
    s.params.Add("logGroupName", Value::Str(log_group_));
    s.key = "cloudtrail-log-group";
    s.reason = fmt::format("trail {} does not deliver to CloudWatch Logs: create log group {} "
                           "for it",
                           trail_->name, log_group_);
    setup_steps_.push_back(AddStep(std::move(s)));
  }
  // A role CloudTrail assumes to write to the group, limited to this trail.
  std::string role = "CloudTrail-CloudWatchLogs-";
  for (char c : trail_->name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    role += ok ? c : '-';
  }
  if (role.size() > 64) role.resize(64);
  std::string trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                      "\"Principal\":{\"Service\":\"cloudtrail.amazonaws.com\"},"
                      "\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":"
                      "{\"aws:SourceArn\":" +
                      JsonString(trail_->arn) + "}}}]}";
  std::string stream_arn = fmt::format("arn:{}:logs:{}:{}:log-group:{}:log-stream:*", partition_,
                                       region_, account, log_group_);
  std::string policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                       "\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],"
                       "\"Resource\":" +
                       JsonString(stream_arn) + "}]}";
  Step cr;
  cr.service = "iam";
  cr.region = IamRegion(partition_);
  cr.operation = "CreateRole";
  cr.params.Add("RoleName", Value::Str(role))
      .Add("AssumeRolePolicyDocument", Value::Str(trust))
      .Add("Description", Value::Str("Lets CloudTrail trail " + trail_->name +
                                     " deliver its events to CloudWatch Logs (vigil fix)"));
  cr.key = "cloudtrail-logs-role";
  cr.reason = fmt::format("CloudTrail needs a role to write trail {}'s events to log group {}",
                          trail_->name, log_group_);
  int role_step = AddStep(std::move(cr));
  setup_steps_.push_back(role_step);
  Step pol;
  pol.service = "iam";
  pol.region = IamRegion(partition_);
  pol.operation = "PutRolePolicy";
  pol.params.Add("RoleName", Value::Str(role))
      .Add("PolicyName", Value::Str("cloudtrail-to-cloudwatch-logs"))
      .Add("PolicyDocument", Value::Str(policy));
  pol.key = "cloudtrail-logs-role-policy";
  pol.reason = fmt::format("the role may create log streams and put log events in {} only",
                           log_group_);
  setup_steps_.push_back(AddStep(std::move(pol)));
  Step up;
  up.service = "cloudtrail";
  up.region = region_;
  up.operation = "UpdateTrail";
  up.params.Add("Name", Value::Str(trail_->arn))
      .Add("CloudWatchLogsLogGroupArn", Value::Str(lg_arn))
      .Add("CloudWatchLogsRoleArn",
           Value::Ref(role_step, "Role.Arn",
                      fmt::format("arn:{}:iam::{}:role/{}", partition_, account, role)));
  up.key = "cloudtrail-delivery";
  up.changes = trail_->arn;
  up.reason = fmt::format("deliver trail {}'s events to log group {}", trail_->name, log_group_);
  setup_steps_.push_back(AddStep(std::move(up)));
}

void Planner::PrepareTarget() {
  const std::string account = m_.account_id;
  bool have_endpoint = !o_.email.empty() || !o_.endpoint.empty();
  std::string protocol = !o_.email.empty() ? "email" : o_.protocol;
  std::string endpoint = !o_.email.empty() ? o_.email : o_.endpoint;
  if (!o_.topic_arn.empty()) {
    target_.topic_arn = o_.topic_arn;
    target_.why = "the topic given with --topic-arn";
    target_.confirmed = true;  // the user's choice; checked below when the inventory knows it
    if (ArnRegion(o_.topic_arn) != region_) {
      p_.notes.push_back(fmt::format("--topic-arn is in {}, but the alarms are in {} (the trail's "
                                     "log group): CloudWatch alarms notify topics of their own "
                                     "region",
                                     ArnRegion(o_.topic_arn), region_));
    }
    for (const auto& t : m_.topics) {
      if (t.arn == o_.topic_arn && t.confirmed == 0) {
        target_.confirmed = false;
        p_.notes.push_back(fmt::format("topic {} (--topic-arn) has no confirmed subscription: "
                                       "the rules pass once one is confirmed",
                                       t.name));
      }
    }
    return;
  }
  // Topics in the trail's region and account, scored by how many of the chain's alarms use them.
  struct Cand {
    std::string arn;
    int uses = 0;
    bool confirmed = false;
    std::vector<Subscription> subs;
  };
  std::map<std::string, Cand> cands;
  auto consider = [&](const std::string& arn, bool confirmed, const std::vector<Subscription>& s,
                      bool used) {
    if (ArnRegion(arn) != region_ || ArnAccount(arn) != account) return;
    Cand& c = cands[arn];
    c.arn = arn;
    c.confirmed |= confirmed;
    if (used) ++c.uses;
    for (const auto& x : s) {
      bool dup = false;
      for (const auto& y : c.subs) dup |= y.protocol == x.protocol && y.endpoint == x.endpoint;
      if (!dup) c.subs.push_back(x);
    }
  };
  for (const auto& f : trail_->filters) {
    for (const auto& t : f.transformations) {
      for (const auto& a : t.alarms) {
        for (const auto& act : a.actions) {
          if (act.type == "sns" && act.subscriptions_readable) {
            consider(act.arn, act.HasConfirmed(), act.subscriptions, true);
          }
        }
      }
    }
  }
  for (const auto& t : m_.topics) consider(t.arn, t.confirmed > 0, t.subscriptions, false);
  const Cand* best = nullptr;
  const Cand* best_pending = nullptr;
  for (const auto& [arn, c] : cands) {
    if (c.confirmed && (!best || c.uses > best->uses)) best = &c;
    if (!c.confirmed && c.uses > 0 && (!best_pending || c.uses > best_pending->uses)) {
      best_pending = &c;
    }
  }
  auto subscribed = [&](const Cand& c) {
    for (const auto& s : c.subs) {
      if (s.protocol == protocol && s.endpoint == endpoint) return true;
    }
    return false;
  };
  if (best) {
    target_.topic_arn = best->arn;
    target_.confirmed = true;
    target_.why = fmt::format("topic {} has a confirmed subscriber{}", TopicName(best->arn),
                              best->uses ? " and already receives the trail's alarms" : "");
    target_.subscribe = have_endpoint && !subscribed(*best);
    return;
  }
  if (best_pending) {
    target_.topic_arn = best_pending->arn;
    target_.confirmed = false;
    target_.subscribe = true;
    target_.why = fmt::format("topic {} already receives the trail's alarms but has no "
                              "confirmed subscriber",
                              TopicName(best_pending->arn));
    return;
  }
  target_.subscribe = true;
  target_.why = fmt::format("no SNS topic in {} has a confirmed subscriber", region_);
}

// The topic ARN alarms notify; emits the topic and subscription steps the first time.
Value Planner::TargetValue() {
  if (!target_.emitted) {
    target_.emitted = true;
    std::string protocol = !o_.email.empty() ? "email" : o_.protocol;
    Value endpoint;
    if (!target_.subscribe) {
      // The topic exists and reaches a confirmed subscriber: nothing to ask.
    } else if (!o_.email.empty()) {
      endpoint = Value::Str(o_.email);
    } else if (!o_.endpoint.empty()) {
      endpoint = Value::Str(o_.endpoint);
    } else {
      protocol = "email";
      p_.parameters.push_back({"NotificationEmail",
                               "the e-mail address that receives the security alarms (AWS sends "
                               "it a confirmation request first)"});
      endpoint = Value::Param("NotificationEmail");
    }
    if (target_.topic_arn.empty()) {
      std::set<std::string> taken;
      for (const auto& t : m_.topics) {
        if (t.region == region_) taken.insert(t.name);
      }
      std::string name = UniqueName(o_.topic_name, taken);
      Step s;
      s.service = "sns";
      s.region = region_;
      s.operation = "CreateTopic";
      s.params.Add("Name", Value::Str(name));
      s.key = "alerts-topic";
      s.reason = target_.why + ": create one topic for every monitoring alarm";
      target_.topic_step = AddStep(std::move(s));
    }
    if (target_.subscribe) {
      Step s;
      s.service = "sns";
      s.region = region_;
      s.operation = "Subscribe";
      s.params.Add("TopicArn", target_.topic_step == kNoStep
                                   ? Value::Str(target_.topic_arn)
                                   : Value::Ref(target_.topic_step, "TopicArn",
                                                fmt::format("arn:{}:sns:{}:{}:{}", partition_,
                                                            region_, m_.account_id,
                                                            p_.steps[target_.topic_step]
                                                                .params.GetString("Name"))));
      s.params.Add("Protocol", Value::Str(protocol)).Add("Endpoint", endpoint);
      s.key = "alerts-subscription";
      s.reason = target_.topic_step != kNoStep
                     ? "subscribe the team to the new topic (the subscription must be confirmed)"
                 : target_.confirmed
                     ? fmt::format("subscribe the given endpoint to topic {}",
                                   TopicName(target_.topic_arn))
                     : target_.why + ": subscribe the team (the subscription must be confirmed)";
      target_.subscribe_step = AddStep(std::move(s));
    }
  }
  if (target_.topic_step != kNoStep) {
    return Value::Ref(target_.topic_step, "TopicArn",
                      fmt::format("arn:{}:sns:{}:{}:{}", partition_, region_, m_.account_id,
                                  p_.steps[target_.topic_step].params.GetString("Name")));
  }
  return Value::Str(target_.topic_arn);
}

bool Planner::Satisfies(const std::string& filter_pattern, const Requirement& req,
                        pattern::Relation* relation) {
  std::string key = fmt::format("{}\n{}\n{}", static_cast<int>(req.kind), req.pattern_text,
                                filter_pattern);
  auto it = relation_cache_.find(key);
  if (it != relation_cache_.end()) {
    *relation = it->second.second;
    return it->second.first;
  }
  auto pit = parsed_.find(filter_pattern);
  if (pit == parsed_.end()) {
    pattern::ParseResult pr = pattern::Parse(filter_pattern);
    pit = parsed_.emplace(filter_pattern, pr.ok() ? std::move(pr.pattern) : std::nullopt).first;
  }
  const std::optional<pattern::Pattern>& parsed = pit->second;
  bool ok = false;
  pattern::Relation rel = pattern::Relation::kUnknown;
  if (parsed) {
    pattern::Comparison c = pattern::Compare(*parsed, req.pattern, o_.eval.patterns);
    rel = c.relation;
    ok = req.kind == Requirement::Kind::kEqual
             ? rel == pattern::Relation::kEqual
             : rel == pattern::Relation::kEqual || rel == pattern::Relation::kCovers;
  }
  relation_cache_[key] = {ok, rel};
  *relation = rel;
  return ok;
}

ChainFix Planner::FixFor(const MetricFilter& f) {
  ChainFix best;
  best.cost = 1000;
  for (const Transformation& t : f.transformations) {
    std::string metric = fmt::format("{}/{}", t.metric_namespace, t.metric_name);
    for (const Alarm& a : t.alarms) {
      ChainFix fix;
      fix.metric = &t;
      fix.alarm = &a;
      if (a.Reaches()) {
        fix.kind = ChainFix::Kind::kNone;
        fix.cost = 0;
      } else if (!a.actions_enabled) {
        bool reaches_if_enabled = false;
        for (const auto& act : a.actions) reaches_if_enabled |= act.HasConfirmed();
        if (reaches_if_enabled) {
          fix.kind = ChainFix::Kind::kEnable;
          fix.reason = fmt::format("alarm {} on filter {}'s metric {} has its actions disabled",
                                   a.name, f.name, metric);
        } else {
          fix.kind = ChainFix::Kind::kRePut;
          fix.reason = fmt::format("alarm {} on filter {}'s metric {} has its actions disabled "
                                   "and notifies no topic with a confirmed subscriber",
                                   a.name, f.name, metric);
        }
        fix.cost = 1;
      } else {
        // Actions enabled, but no SNS action reaches a confirmed subscriber.
        std::string pending;
        bool notifies_target = false;
        for (const auto& act : a.actions) {
          if (act.type != "sns") continue;
          if (act.arn == target_.topic_arn && !target_.topic_arn.empty()) notifies_target = true;
          if (!act.subscriptions_readable) continue;
          pending += (pending.empty() ? "" : ", ") + TopicName(act.arn);
        }
        if (notifies_target && target_.subscribe) {
          fix.kind = ChainFix::Kind::kSubscribeShared;
          fix.reason = fmt::format("alarm {} notifies topic {}, which has no confirmed "
                                   "subscriber",
                                   a.name, TopicName(target_.topic_arn));
          fix.cost = 0;  // the shared subscription serves it
        } else {
          fix.kind = ChainFix::Kind::kRePut;
          fix.reason =
              pending.empty()
                  ? fmt::format("alarm {} on filter {}'s metric {} notifies no SNS topic", a.name,
                                f.name, metric)
                  : fmt::format("alarm {} on filter {}'s metric {} notifies only {}, which has "
                                "no confirmed subscriber",
                                a.name, f.name, metric, pending);
          fix.cost = 1;
        }
      }
      if (fix.cost < best.cost) best = fix;
    }
    if (t.alarms.empty()) {
      ChainFix fix;
      fix.metric = &t;
      fix.cost = 1;
      // An alarm on the same metric name in another namespace: correct it rather than add one.
      for (const Alarm& a : m_.alarms) {
        if (a.region != region_ || a.metric_name != t.metric_name ||
            a.namespace_ == t.metric_namespace || a.metric_math || !a.dimensions.empty() ||
            !a.period || !a.evaluation_periods || !a.threshold || a.comparison_operator.empty() ||
            (a.statistic.empty() && a.extended_statistic.empty())) {
          continue;
        }
        bool published = false;  // does some filter of the trail publish the alarm's metric?
        for (const auto& g : trail_->filters) {
          for (const auto& u : g.transformations) {
            published |= u.metric_namespace == a.namespace_ && u.metric_name == a.metric_name;
          }
        }
        if (published) continue;
        fix.kind = ChainFix::Kind::kRePut;
        fix.alarm = &a;
        fix.new_namespace = t.metric_namespace;
        fix.reason = fmt::format("alarm {} watches {}/{}, but filter {} publishes {}: correct "
                                 "the alarm's namespace",
                                 a.name, a.namespace_, a.metric_name, f.name, metric);
        break;
      }
      if (!fix.alarm) {
        fix.kind = ChainFix::Kind::kNewAlarm;
        fix.reason = fmt::format("filter {} on log group {} matches the control's events, but its "
                                 "metric {} has no alarm",
                                 f.name, f.log_group.empty() ? log_group_ : f.log_group, metric);
      }
      if (fix.cost < best.cost) best = fix;
    }
  }
  return best;
}

Value Planner::AlarmParams(const Alarm& a, const std::string& ns, bool add_target) {
  Value p = Value::Object();
  p.Add("AlarmName", Value::Str(a.name));
  if (!a.description.empty()) p.Add("AlarmDescription", Value::Str(a.description));
  p.Add("ActionsEnabled", Value::Bool(true));
  auto strings = [](const std::vector<std::string>& v) {
    Value l = Value::List();
    for (const auto& s : v) l.items.push_back(Value::Str(s));
    return l;
  };
  if (!a.ok_actions.empty()) p.Add("OKActions", strings(a.ok_actions));
  Value actions = Value::List();
  for (const auto& act : a.actions) actions.items.push_back(Value::Str(act.arn));
  if (add_target) actions.items.push_back(TargetValue());
  p.Add("AlarmActions", std::move(actions));
  if (!a.insufficient_data_actions.empty()) {
    p.Add("InsufficientDataActions", strings(a.insufficient_data_actions));
  }
  p.Add("MetricName", Value::Str(a.metric_name));
  p.Add("Namespace", Value::Str(ns.empty() ? a.namespace_ : ns));
  if (!a.statistic.empty()) {
    p.Add("Statistic", Value::Str(a.statistic));
  } else {
    p.Add("ExtendedStatistic", Value::Str(a.extended_statistic));
  }
  p.Add("Period", Value::Num(FormatNumber(*a.period)));
  if (!a.unit.empty()) p.Add("Unit", Value::Str(a.unit));
  p.Add("EvaluationPeriods", Value::Num(FormatNumber(*a.evaluation_periods)));
  if (a.datapoints_to_alarm) p.Add("DatapointsToAlarm", Value::Num(FormatNumber(*a.datapoints_to_alarm)));
  p.Add("Threshold", Value::Num(FormatNumber(*a.threshold)));
  p.Add("ComparisonOperator", Value::Str(a.comparison_operator));
  if (!a.treat_missing_data.empty()) p.Add("TreatMissingData", Value::Str(a.treat_missing_data));
  return p;
}

std::string AlarmDescription(const RuleWork& w) {
  std::string d = w.rule->name.empty() ? w.rule->id() : w.rule->name;
  if (!w.req.control.empty()) d += " (CIS " + w.req.control + ")";
  return d + "; created by vigil fix";
}

Value NewAlarmParams(const std::string& name, const std::string& description,
                     const std::string& metric, const std::string& ns, Value target,
                     const PlanOptions& o) {
  Value p = Value::Object();
  p.Add("AlarmName", Value::Str(name))
      .Add("AlarmDescription", Value::Str(description))
      .Add("ActionsEnabled", Value::Bool(true))
      .Add("AlarmActions", Value::List({std::move(target)}))
      .Add("MetricName", Value::Str(metric))
      .Add("Namespace", Value::Str(ns))
      .Add("Statistic", Value::Str(o.statistic))
      .Add("Period", Value::Num(std::to_string(o.period)))
      .Add("EvaluationPeriods", Value::Num(std::to_string(o.evaluation_periods)))
      .Add("Threshold", Value::Num(FormatNumber(o.threshold)))
      .Add("ComparisonOperator", Value::Str(o.comparison_operator))
      .Add("TreatMissingData", Value::Str("notBreaching"));
  return p;
}

void Planner::Apply(const ChainFix& fix, const MetricFilter& f, const RuleWork& w,
                    RuleOutcome& out) {
  const std::string& id = w.rule->id();
  out.planned = true;
  // Several rules of one control can need the same change: serve them with one step.
  for (size_t i = 0; i < p_.steps.size(); ++i) {
    Step& s = p_.steps[i];
    bool same = false;
    if (fix.alarm && (s.operation == "EnableAlarmActions" || s.operation == "PutMetricAlarm")) {
      same = s.changes == fix.alarm->arn && !s.changes.empty();
    }
    if (fix.kind == ChainFix::Kind::kNewAlarm && s.operation == "PutMetricAlarm" &&
        s.changes.empty() && s.params.GetString("MetricName") == fix.metric->metric_name &&
        s.params.GetString("Namespace") == fix.metric->metric_namespace) {
      same = true;
    }
    if (same) {
      Serve(static_cast<int>(i), id);
      if (s.operation != "EnableAlarmActions") {
        if (!target_.confirmed) out.needs_confirmation = true;
        Serve(target_.topic_step, id);
        Serve(target_.subscribe_step, id);
      }
      return;
    }
  }
  int step = kNoStep;
  switch (fix.kind) {
    case ChainFix::Kind::kNone:
      out.note = fmt::format("filter {} and its alarm chain look complete; the rule fails for "
                             "another reason (see vigil scan --verbose)",
                             f.name);
      out.planned = false;
      return;
    case ChainFix::Kind::kSubscribeShared:
      TargetValue();
      out.needs_confirmation = true;
      break;
    case ChainFix::Kind::kEnable: {
      Step s;
      s.service = "monitoring";
      s.region = region_;
      s.operation = "EnableAlarmActions";
      s.params.Add("AlarmNames", Value::List({Value::Str(fix.alarm->name)}));
      s.key = fix.alarm->name;
      s.changes = fix.alarm->arn;
      s.reason = fix.reason;
      step = AddStep(std::move(s));
      break;
    }
    case ChainFix::Kind::kRePut: {
      bool reaches = false;
      for (const auto& act : fix.alarm->actions) reaches |= act.HasConfirmed();
      bool add_target = !reaches;
      if (add_target) {
        for (const auto& act : fix.alarm->actions) {
          add_target &= !(act.arn == target_.topic_arn && !target_.topic_arn.empty());
        }
      }
      Value params = AlarmParams(*fix.alarm, fix.new_namespace, add_target);
      Step s;
      s.service = "monitoring";
      s.region = region_;
      s.operation = "PutMetricAlarm";
      s.params = std::move(params);
      s.key = fix.alarm->name;
      s.changes = fix.alarm->arn;
      s.reason = fix.reason;
      if (add_target) {
        s.reason += fmt::format("; it will also notify {}",
                                target_.topic_arn.empty() ? "the new topic"
                                                          : TopicName(target_.topic_arn));
      }
      step = AddStep(std::move(s));
      if (add_target && !target_.confirmed) out.needs_confirmation = true;
      break;
    }
    case ChainFix::Kind::kNewAlarm: {
      std::string name = UniqueName(w.req.slug + "-alarm", alarm_names_);
      alarm_names_.insert(name);
      Value target = TargetValue();
      Step s;
      s.service = "monitoring";
      s.region = region_;
      s.operation = "PutMetricAlarm";
      s.params = NewAlarmParams(name, AlarmDescription(w), fix.metric->metric_name,
                                fix.metric->metric_namespace, std::move(target), o_);
      s.key = name;
      s.reason = fix.reason;
      step = AddStep(std::move(s));
      if (!target_.confirmed) out.needs_confirmation = true;
      break;
    }
  }
  Serve(step, id);
  if (fix.kind != ChainFix::Kind::kEnable && target_.emitted) {
    bool uses_target = fix.kind == ChainFix::Kind::kNewAlarm ||
                       fix.kind == ChainFix::Kind::kSubscribeShared;
    if (fix.kind == ChainFix::Kind::kRePut && step != kNoStep) {
      const Value* acts = p_.steps[step].params.Get("AlarmActions");
      for (const auto& v : acts->items) {
        uses_target |= v.kind == Value::Kind::kRef || v.text == target_.topic_arn;
      }
    }
    if (uses_target) {
      Serve(target_.topic_step, id);
      Serve(target_.subscribe_step, id);
    }
  }
}

void Planner::NewFilterFor(const RuleWork& w, RuleOutcome& out, const std::string& why) {
  const std::string& id = w.rule->id();
  out.planned = true;
  // A filter this plan already creates may serve this rule too.
  for (auto& nf : new_filters_) {
    pattern::Relation rel;
    if (Satisfies(nf.pattern_text, w.req, &rel)) {
      Serve(nf.filter_step, id);
      Serve(nf.alarm_step, id);
      for (int s : setup_steps_) Serve(s, id);
      if (target_.topic_step != kNoStep) Serve(target_.topic_step, id);
      if (target_.subscribe_step != kNoStep) Serve(target_.subscribe_step, id);
      if (!target_.confirmed) out.needs_confirmation = true;
      return;
    }
  }
  EnsureLogGroup();
  for (int s : setup_steps_) Serve(s, id);
  std::string name = w.req.slug;
  while (filter_names_.count(name) || metric_names_.count(o_.metric_namespace + "\n" + name)) {
    name = UniqueName(w.req.slug, filter_names_);
    if (metric_names_.count(o_.metric_namespace + "\n" + name)) filter_names_.insert(name);
  }
  filter_names_.insert(name);
  metric_names_.insert(o_.metric_namespace + "\n" + name);
  Value target = TargetValue();
  Step f;
  f.service = "logs";
  f.region = region_;
  f.operation = "PutMetricFilter";
  Value tr = Value::Object();
  tr.Add("metricName", Value::Str(name))
      .Add("metricNamespace", Value::Str(o_.metric_namespace))
      .Add("metricValue", Value::Str("1"));
  f.params.Add("logGroupName", Value::Str(log_group_))
      .Add("filterName", Value::Str(name))
      .Add("filterPattern", Value::Str(w.req.pattern_text))
      .Add("metricTransformations", Value::List({std::move(tr)}));
  f.key = name;
  f.reason = why;
  int fstep = AddStep(std::move(f));
  std::string alarm = UniqueName(w.req.slug + "-alarm", alarm_names_);
  alarm_names_.insert(alarm);
  Step a;
  a.service = "monitoring";
  a.region = region_;
  a.operation = "PutMetricAlarm";
  a.params = NewAlarmParams(alarm, AlarmDescription(w), name, o_.metric_namespace,
                            std::move(target), o_);
  a.key = alarm;
  a.reason = fmt::format("an alarm on the new filter's metric {}/{} that notifies {}",
                         o_.metric_namespace, name,
                         target_.topic_arn.empty() ? "the new topic"
                                                   : TopicName(target_.topic_arn));
  int astep = AddStep(std::move(a));
  Serve(fstep, id);
  Serve(astep, id);
  Serve(target_.topic_step, id);
  Serve(target_.subscribe_step, id);
  if (!target_.confirmed) out.needs_confirmation = true;
  NewFilter nf;
  nf.name = name;
  nf.pattern_text = w.req.pattern_text;
  nf.pattern = w.req.pattern;
  nf.filter_step = fstep;
  nf.alarm_step = astep;
  new_filters_.push_back(std::move(nf));
}

void Planner::Run(std::vector<RuleWork>& work) {
  // Equality is the tighter requirement: plan those rules first, so that a filter created for
  // one can serve the covering rules of the same control.
  std::stable_sort(work.begin(), work.end(), [](const RuleWork& a, const RuleWork& b) {
    return a.req.kind == Requirement::Kind::kEqual && b.req.kind != Requirement::Kind::kEqual;
  });
  bool have_trail = ChooseTrail();
  if (have_trail) PrepareTarget();
  for (RuleWork& w : work) {
    RuleOutcome out;
    out.rule_id = w.rule->id();
    out.rule_name = w.rule->name;
    out.status = w.status;
    if (!have_trail) {
      out.note = p_.trail_choice;
      p_.rules.push_back(std::move(out));
      continue;
    }
    const char* verb = w.req.kind == Requirement::Kind::kEqual ? "equals" : "covers";
    // Existing filters that satisfy the requirement, and the cheapest chain to complete.
    const MetricFilter* best = nullptr;
    ChainFix best_fix;
    std::string broader;
    if (!new_log_group_) {
      for (const MetricFilter& f : trail_->filters) {
        pattern::Relation rel;
        if (!Satisfies(f.pattern, w.req, &rel)) {
          if (rel == pattern::Relation::kCovers && broader.empty()) broader = f.name;
          continue;
        }
        ChainFix fix = FixFor(f);
        if (fix.cost >= 1000) continue;  // no transformation
        if (!best || fix.cost < best_fix.cost) {
          best = &f;
          best_fix = fix;
        }
      }
    }
    if (best) {
      Apply(best_fix, *best, w, out);
    } else {
      std::string why;
      if (new_log_group_) {
        why = fmt::format("a metric filter for the control's events on the new log group {}",
                          log_group_);
      } else {
        why = fmt::format("no metric filter on log group {} {} the control's pattern", log_group_,
                          verb);
        if (!broader.empty()) {
          why += fmt::format(" (filter {} covers it but is broader; this rule compares by "
                             "equality)",
                             broader);
        }
      }
      NewFilterFor(w, out, why);
    }
    if (out.needs_confirmation && out.note.empty()) {
      out.note = "passes once the new subscription is confirmed";
    }
    p_.rules.push_back(std::move(out));
  }
  // Steps come out in a working order: the trail's delivery first, the topic and subscription
  // before the first alarm that notifies them, each filter before its alarm, so every Ref points
  // backwards.
}

}  // namespace

StatusOr<Plan> MakePlan(const std::vector<rules::Ruleset>& rulesets,
                        const gsl::Inventory& inventory, const PlanOptions& options) {
  int targets = (!options.topic_arn.empty()) + (!options.email.empty()) +
                (!options.protocol.empty() || !options.endpoint.empty());
  if (targets > 1) {
    return InvalidArgument("give at most one of --topic-arn, --email, or --protocol with "
                           "--endpoint");
  }
  if (options.protocol.empty() != options.endpoint.empty()) {
    return InvalidArgument("--protocol and --endpoint go together");
  }
  if (options.metric_namespace.empty()) return InvalidArgument("--namespace: must not be empty");
  for (const auto& id : options.rule_ids) {
    bool found = false;
    for (const auto& rs : rulesets) {
      for (const auto& r : rs.rules) found |= r.rule_id == id || r.logic_hash == id;
    }
    if (!found) {
      return InvalidArgument(fmt::format("no rule with id {} in the rulesets (see vigil rules "
                                         "list)",
                                         QuoteForMessage(id)));
    }
  }
  Plan plan;
  plan.account_id = inventory.account_id();
  plan.account_name = inventory.account_name();
  rules::ScanOptions so;
  so.rule_ids = options.rule_ids;
  so.eval = options.eval;
  rules::ScanResult scan = rules::Scan(rulesets, inventory, so);
  std::vector<RuleWork> work;
  std::set<const rules::Rule*> seen;
  for (const auto& b : scan.broken) {
    RuleOutcome out;
    out.rule_id = b.rule->id();
    out.rule_name = b.rule->name;
    out.status = gsl::Status::kError;
    out.note = "the rule does not plan: " + b.diagnostic;
    while (!out.note.empty() && out.note.back() == '\n') out.note.pop_back();
    plan.rules.push_back(std::move(out));
  }
  Model model = ReadModel(inventory);
  for (const auto& f : scan.findings) {
    gsl::Status st = f.result.status;
    if (st == gsl::Status::kPassed || st == gsl::Status::kSkipped ||
        st == gsl::Status::kExcluded) {
      continue;
    }
    if (!seen.insert(f.rule).second) continue;
    std::string why_not;
    auto req = RequirementOf(*f.rule, &why_not);
    if (!req) {
      // Only say so for rules the user named; others are simply not this command's business.
      if (!options.rule_ids.empty()) {
        RuleOutcome out;
        out.rule_id = f.rule->id();
        out.rule_name = f.rule->name;
        out.status = st;
        out.note = "vigil fix cannot remediate it: " + why_not;
        plan.rules.push_back(std::move(out));
      }
      continue;
    }
    if (st == gsl::Status::kError) {
      RuleOutcome out;
      out.rule_id = f.rule->id();
      out.rule_name = f.rule->name;
      out.status = st;
      out.note = "the rule could not be evaluated: " + f.result.message;
      plan.rules.push_back(std::move(out));
      continue;
    }
    work.push_back({f.rule, st, std::move(*req)});
  }
  if (work.empty()) return plan;
  Planner planner(model, options, plan);
  planner.Run(work);
  bool any_no_data = false;
  for (const auto& r : plan.rules) any_no_data |= r.status == gsl::Status::kNoData;
  if (any_no_data) {
    for (const auto& t : model.trails) {
      if (!t.chain_readable && t.owner_account != model.account_id) {
        plan.notes.push_back(fmt::format(
            "rules marked no-data may already be met by trail {} of account {} (its chain cannot "
            "be read from this account: {}); the plan makes this account's own trail meet them",
            t.name, t.owner_account, t.chain_unreadable_reason));
        break;
      }
    }
  }
  return plan;
}

}  // namespace vigil::remediate
