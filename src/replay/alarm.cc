#include "replay/alarm.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "base/text.h"

namespace vigil::replay {
namespace {

constexpr std::array<std::pair<Statistic, std::string_view>, 5> kStatistics = {{
    {Statistic::kSampleCount, "SampleCount"},
    {Statistic::kAverage, "Average"},
    {Statistic::kSum, "Sum"},
    {Statistic::kMinimum, "Minimum"},
    {Statistic::kMaximum, "Maximum"},
}};
constexpr std::array<std::pair<Comparison, std::string_view>, 7> kComparisons = {{
    {Comparison::kGreaterThanOrEqualToThreshold, "GreaterThanOrEqualToThreshold"},
    {Comparison::kGreaterThanThreshold, "GreaterThanThreshold"},
    {Comparison::kLessThanThreshold, "LessThanThreshold"},
    {Comparison::kLessThanOrEqualToThreshold, "LessThanOrEqualToThreshold"},
    {Comparison::kLessThanLowerOrGreaterThanUpperThreshold,
     "LessThanLowerOrGreaterThanUpperThreshold"},
    {Comparison::kLessThanLowerThreshold, "LessThanLowerThreshold"},
    {Comparison::kGreaterThanUpperThreshold, "GreaterThanUpperThreshold"},
}};
constexpr std::array<std::pair<MissingData, std::string_view>, 4> kMissing = {{
    {MissingData::kMissing, "missing"},
    {MissingData::kNotBreaching, "notBreaching"},
    {MissingData::kBreaching, "breaching"},
    {MissingData::kIgnore, "ignore"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, n] : table) {
    if (v == e) return n;
  }
  return "?";
}

template <typename E, size_t N>
StatusOr<E> ParseOf(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s,
                    std::string_view what) {
  std::string expected;
  for (const auto& [v, n] : table) {
    if (n == s) return v;
    if (!expected.empty()) expected += ", ";
    expected += n;
  }
  return InvalidArgument(
      fmt::format("unknown {} {}; expected one of {}", what, QuoteForMessage(s), expected));
}

std::string_view ShortOp(Comparison c) {
  switch (c) {
    case Comparison::kGreaterThanOrEqualToThreshold: return ">=";
    case Comparison::kGreaterThanThreshold: return ">";
    case Comparison::kLessThanThreshold: return "<";
    case Comparison::kLessThanOrEqualToThreshold: return "<=";
    default: return "?";
  }
}

}  // namespace

std::string_view Name(Statistic s) { return NameOf(kStatistics, s); }
std::string_view Name(Comparison c) { return NameOf(kComparisons, c); }
std::string_view Name(MissingData m) { return NameOf(kMissing, m); }
std::string_view Name(AlarmState s) {
  switch (s) {
    case AlarmState::kInsufficientData: return "INSUFFICIENT_DATA";
    case AlarmState::kOk: return "OK";
    case AlarmState::kAlarm: return "ALARM";
  }
  return "?";
}

StatusOr<Statistic> ParseStatistic(std::string_view s) {
  if (!s.empty() && (s[0] == 'p' || s[0] == 't' || s[0] == 'w' || s.starts_with("PR") ||
                     s.starts_with("TC") || s.starts_with("TS") || s.starts_with("IQM"))) {
    return InvalidArgument(fmt::format(
        "extended statistic {} is not supported; expected one of SampleCount, Average, Sum, "
        "Minimum, Maximum",
        QuoteForMessage(s)));
  }
  return ParseOf(kStatistics, s, "statistic");
}
StatusOr<Comparison> ParseComparison(std::string_view s) {
  return ParseOf(kComparisons, s, "comparison operator");
}
StatusOr<MissingData> ParseMissingData(std::string_view s) {
  return ParseOf(kMissing, s, "treatMissingData value");
}

double Stats::Get(Statistic s) const {
  switch (s) {
    case Statistic::kSampleCount: return count;
    case Statistic::kAverage: return sum / count;
    case Statistic::kSum: return sum;
    case Statistic::kMinimum: return min;
    case Statistic::kMaximum: return max;
  }
  return 0;
}

Status Validate(const AlarmSpec& spec) {
  if (spec.period_seconds <= 0 || spec.period_seconds % 60 != 0) {
    return InvalidArgument(fmt::format(
        "period {} s: expected a positive multiple of 60 (metric filters publish "
        "standard-resolution metrics)",
        spec.period_seconds));
  }
  if (spec.evaluation_periods < 1) {
    return InvalidArgument(
        fmt::format("evaluationPeriods {}: expected at least 1", spec.evaluation_periods));
  }
  if (spec.datapoints_to_alarm < 1 || spec.datapoints_to_alarm > spec.evaluation_periods) {
    return InvalidArgument(fmt::format(
        "datapointsToAlarm {}: expected between 1 and evaluationPeriods ({})",
        spec.datapoints_to_alarm, spec.evaluation_periods));
  }
  switch (spec.comparison) {
    case Comparison::kLessThanLowerOrGreaterThanUpperThreshold:
    case Comparison::kLessThanLowerThreshold:
    case Comparison::kGreaterThanUpperThreshold:
      return InvalidArgument(fmt::format(
          "comparison operator {} compares with an anomaly detection band, which a replay cannot "
          "compute",
          Name(spec.comparison)));
    default: break;
  }
  return Status::Ok();
}

bool Breaches(const AlarmSpec& spec, double value) {
  switch (spec.comparison) {
    case Comparison::kGreaterThanOrEqualToThreshold: return value >= spec.threshold;
    case Comparison::kGreaterThanThreshold: return value > spec.threshold;
    case Comparison::kLessThanThreshold: return value < spec.threshold;
    case Comparison::kLessThanOrEqualToThreshold: return value <= spec.threshold;
    default: return false;
  }
}

AlarmState DecideState(std::span<const std::optional<bool>> window, int n, int m, MissingData md,
                       AlarmState current, std::vector<size_t>* evaluated, int* filled) {
  std::vector<size_t> existing;
  for (size_t i = 0; i < window.size(); ++i) {
    if (window[i].has_value()) existing.push_back(i);
  }
  if (filled) *filled = 0;
  if (evaluated) evaluated->clear();
  const size_t un = static_cast<size_t>(n);
  if (existing.empty()) {
    if (filled) *filled = n;
    switch (md) {
      case MissingData::kMissing: return AlarmState::kInsufficientData;
      case MissingData::kIgnore: return current;
      case MissingData::kBreaching: return AlarmState::kAlarm;  // N breaching >= M
      case MissingData::kNotBreaching: return AlarmState::kOk;
    }
  }
  // Enough real datapoints: the newest N decide; treatMissingData is not consulted.
  if (existing.size() >= un) {
    existing.erase(existing.begin(), existing.end() - n);
    int breaching = 0;
    for (size_t i : existing) breaching += *window[i] ? 1 : 0;
    if (evaluated) *evaluated = existing;
    return breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
  }
  // Fewer than N: every real datapoint in the range counts, and N - |E| are filled in.
  int fills = n - static_cast<int>(existing.size());
  if (filled) *filled = fills;
  if (evaluated) *evaluated = existing;
  int breaching = 0, good = 0;
  for (size_t i : existing) (*window[i] ? breaching : good) += 1;
  switch (md) {
    case MissingData::kBreaching:
      return breaching + fills >= m ? AlarmState::kAlarm : AlarmState::kOk;
    case MissingData::kNotBreaching:
      return breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
    case MissingData::kMissing:
    case MissingData::kIgnore:
      // Missing datapoints are not invented: the real ones decide when they can (enough of them
      // breach, or one does not), otherwise there is not enough data (docs/replay.md §4.3).
      if (breaching >= m) return AlarmState::kAlarm;
      if (good > 0) return AlarmState::kOk;
      return md == MissingData::kMissing ? AlarmState::kInsufficientData : current;
  }
  return current;
}

AlarmTimeline EvaluateAlarm(const AlarmSpec& spec, const std::map<int64_t, double>& values,
                            int64_t first_period_ms, int64_t end_ms, const EvalOptions& options) {
  AlarmTimeline out;
  const int64_t period = spec.period_seconds * 1000;
  const int n = spec.evaluation_periods, m = spec.datapoints_to_alarm;
  const int range = n + std::max(0, options.extra_range);
  AlarmState state = AlarmState::kInsufficientData;
  std::vector<std::optional<bool>> window(range);
  std::vector<int64_t> window_start(range);
  std::vector<size_t> evaluated;
  bool prev_empty = false;
  AlarmEpisode* episode = nullptr;

  for (int64_t p = first_period_ms; p + period <= end_ms;) {
    const int64_t oldest = p - static_cast<int64_t>(range - 1) * period;
    bool empty = true;
    for (int i = 0; i < range; ++i) {
      int64_t ps = oldest + static_cast<int64_t>(i) * period;
      window_start[i] = ps;
      auto it = values.find(ps);
      if (it == values.end()) {
        window[i].reset();
      } else {
        window[i] = Breaches(spec, it->second);
        empty = false;
      }
    }
    if (empty && prev_empty) {
      // Same all-missing window as the previous evaluation: nothing can change until the next
      // datapoint enters the range.
      auto next = values.upper_bound(p);
      if (next == values.end()) break;
      p = std::max(p + period, next->first);
      prev_empty = false;
      continue;
    }
    prev_empty = empty;
    int filled = 0;
    AlarmState next = DecideState(window, n, m, spec.treat_missing_data, state, &evaluated, &filled);
    const int64_t t = p + period;
    if (next != state) {
      int breaching = 0;
      for (size_t i : evaluated) breaching += *window[i] ? 1 : 0;
      std::string reason;
      if (evaluated.empty()) {
        reason = fmt::format("no datapoint in the last {} periods (missing data: {})", range,
                             Name(spec.treat_missing_data));
      } else {
        reason = fmt::format("{} of {} datapoints breaching ({} {} {})", breaching,
                             evaluated.size(), Name(spec.statistic), ShortOp(spec.comparison),
                             FormatNumber(spec.threshold));
        if (filled > 0) {
          reason += fmt::format(", {} missing (missing data: {})", filled,
                                Name(spec.treat_missing_data));
        }
      }
      out.transitions.push_back({t, state, next, std::move(reason)});
      if (next == AlarmState::kAlarm) {
        out.episodes.push_back({t, std::nullopt, {}});
        episode = &out.episodes.back();
      } else if (state == AlarmState::kAlarm && episode) {
        episode->end_ms = t;
        episode = nullptr;
      }
      state = next;
    }
    if (state == AlarmState::kAlarm && episode) {
      for (size_t i : evaluated) {
        if (!*window[i]) continue;
        auto& b = episode->breaching_periods;
        if (std::find(b.begin(), b.end(), window_start[i]) == b.end()) b.push_back(window_start[i]);
      }
    }
    p += period;
  }
  for (auto& e : out.episodes) std::sort(e.breaching_periods.begin(), e.breaching_periods.end());
  out.final_state = state;
  return out;
}

}  // namespace vigil::replay
