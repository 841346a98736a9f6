// CloudWatch metric alarms, evaluated over a replayed metric (docs/replay.md §4).
//
// Data flows in as one value per alarm period (the alarm's statistic over the samples the metric
// filters published in that period); EvaluateAlarm walks the periods in time order, evaluating the
// alarm at the end of each one as CloudWatch does: the most recent `evaluation range` periods
// (evaluationPeriods + EvalOptions::extra_range) are retrieved, the newest N existing datapoints
// are evaluated when there are at least N of them, and missing datapoints are filled according to
// treatMissingData only when there are fewer (DecideState). The result is every state change with
// its time and reason, and each stretch of time in ALARM with the datapoints that breached.
//
// Everything here is a pure function of its arguments; thread-safe.
#ifndef VIGIL_REPLAY_ALARM_H_
#define VIGIL_REPLAY_ALARM_H_

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::replay {

enum class Statistic { kSampleCount, kAverage, kSum, kMinimum, kMaximum };
enum class Comparison {
  kGreaterThanOrEqualToThreshold,
  kGreaterThanThreshold,
  kLessThanThreshold,
  kLessThanOrEqualToThreshold,
  // Anomaly-detection comparisons: they compare with a band computed by CloudWatch's model, which
  // a replay cannot reproduce. Parsed so that the error can name them; never evaluated.
  kLessThanLowerOrGreaterThanUpperThreshold,
  kLessThanLowerThreshold,
  kGreaterThanUpperThreshold,
};
enum class MissingData { kMissing, kNotBreaching, kBreaching, kIgnore };
enum class AlarmState { kInsufficientData, kOk, kAlarm };

// The AWS spelling of each value ("Sum", "GreaterThanThreshold", "notBreaching", "ALARM").
std::string_view Name(Statistic s);
std::string_view Name(Comparison c);
std::string_view Name(MissingData m);
std::string_view Name(AlarmState s);
// Parses the AWS spelling (exactly, case-sensitive as the API is); the error says what was
// expected.
StatusOr<Statistic> ParseStatistic(std::string_view s);
StatusOr<Comparison> ParseComparison(std::string_view s);
StatusOr<MissingData> ParseMissingData(std::string_view s);

// Samples of one metric in one period.
struct Stats {
  double sum = 0;
  double count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    sum += v;
    count += 1;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  void Merge(const Stats& o) {
    sum += o.sum;
    count += o.count;
    if (o.min < min) min = o.min;
    if (o.max > max) max = o.max;
  }
  bool empty() const { return count == 0; }
  // The statistic's value; only meaningful when !empty().
  double Get(Statistic s) const;
};

struct AlarmSpec {
  std::string name;
  Statistic statistic = Statistic::kSum;
  int64_t period_seconds = 300;
  int evaluation_periods = 1;   // N
  int datapoints_to_alarm = 1;  // M; AWS: defaults to N when not given
  double threshold = 0;
  Comparison comparison = Comparison::kGreaterThanOrEqualToThreshold;
  MissingData treat_missing_data = MissingData::kMissing;  // AWS default
};

// OK when the spec can be evaluated: period a positive multiple of 60 (metric filters publish
// standard-resolution metrics), 1 <= M <= N, a threshold comparison (not an anomaly band).
Status Validate(const AlarmSpec& spec);

bool Breaches(const AlarmSpec& spec, double value);

struct EvalOptions {
  // The evaluation range is evaluationPeriods + extra_range periods. AWS does not publish the
  // exact rule; its documented examples retrieve 5 datapoints for 3 evaluation periods. Default 2.
  int extra_range = 2;
};

// One evaluation: `window` holds the evaluation range, oldest first; nullopt is a missing
// datapoint, true a breaching one. Returns the new state (`current` when treatMissingData is
// ignore and the data cannot decide). `evaluated` receives the indexes into `window` of the real
// datapoints that were evaluated; `filled` the number of missing datapoints filled in.
AlarmState DecideState(std::span<const std::optional<bool>> window, int n, int m, MissingData md,
                       AlarmState current, std::vector<size_t>* evaluated = nullptr,
                       int* filled = nullptr);

struct Transition {
  int64_t time_ms = 0;  // the evaluation time: the end of the newest period evaluated
  AlarmState from = AlarmState::kInsufficientData, to = AlarmState::kInsufficientData;
  std::string reason;
};

struct AlarmEpisode {
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;  // nullopt: still in ALARM when the replay ends
  // Period starts of the real datapoints that breached in the windows that kept it in ALARM.
  std::vector<int64_t> breaching_periods;
};

struct AlarmTimeline {
  std::vector<Transition> transitions;
  std::vector<AlarmEpisode> episodes;
  AlarmState final_state = AlarmState::kInsufficientData;
};

// Evaluates `spec` at the end of every period from the one starting at `first_period_ms` (a
// multiple of the period) while the end is <= `end_ms`, starting in INSUFFICIENT_DATA, as a newly
// created alarm does. `values` maps period starts to the statistic's value (periods without
// samples are absent: missing). Runs of evaluations that see no datapoint at all are skipped in
// one step, so the cost depends on the datapoints, not on the length of the replay.
AlarmTimeline EvaluateAlarm(const AlarmSpec& spec, const std::map<int64_t, double>& values,
                            int64_t first_period_ms, int64_t end_ms, const EvalOptions& options = {});

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_ALARM_H_
