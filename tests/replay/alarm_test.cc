// Alarm evaluation (src/replay/alarm.h): the CloudWatch documentation's tables of how missing
// data is treated, each statistic, each comparison, each treatMissingData mode over a timeline,
// M-of-N alarms, and the gap skipping checked against a period-by-period evaluation.
#include "replay/alarm.h"

#include <random>

#include <gtest/gtest.h>

#include "replay/time_util.h"

namespace vigil::replay {
namespace {

using S = AlarmState;
constexpr S kIns = S::kInsufficientData;

// "0 - X - X" -> window, oldest first.
std::vector<std::optional<bool>> W(std::string_view s) {
  std::vector<std::optional<bool>> out;
  for (char c : s) {
    if (c == '0') out.push_back(false);
    if (c == 'X') out.push_back(true);
    if (c == '-') out.push_back(std::nullopt);
  }
  return out;
}

struct TableRow {
  const char* points;
  // Expected state for missing, ignore (from `kRetain` meaning "the current state"), breaching,
  // notBreaching.
  S missing;
  bool ignore_retains;
  S ignore;
  S breaching, not_breaching;
};

// "How alarm state is evaluated when data is missing", CloudWatch User Guide (alarms and
// missing data): datapoints to alarm = evaluation periods = 3, 5 datapoints retrieved.
const TableRow kThreeOfThree[] = {
    {"0 - X - X", S::kOk, false, S::kOk, S::kOk, S::kOk},
    {"0 - - - -", S::kOk, false, S::kOk, S::kOk, S::kOk},
    {"- - - - -", kIns, true, S::kOk, S::kAlarm, S::kOk},
    {"0 X X - X", S::kAlarm, false, S::kAlarm, S::kAlarm, S::kAlarm},
    {"- - - - X", kIns, true, S::kOk, S::kAlarm, S::kOk},
};
// The same page, 2 out of 3.
const TableRow kTwoOfThree[] = {
    {"0 - X - X", S::kAlarm, false, S::kAlarm, S::kAlarm, S::kAlarm},
    {"0 0 X 0 X", S::kAlarm, false, S::kAlarm, S::kAlarm, S::kAlarm},
    {"0 - X - -", S::kOk, false, S::kOk, S::kAlarm, S::kOk},
    {"- - - - 0", S::kOk, false, S::kOk, S::kAlarm, S::kOk},
    {"- - - - X", kIns, true, S::kOk, S::kAlarm, S::kOk},
};

void CheckTable(const TableRow* rows, size_t n, int m) {
  for (size_t i = 0; i < n; ++i) {
    const TableRow& r = rows[i];
    auto w = W(r.points);
    ASSERT_EQ(w.size(), 5u);
    SCOPED_TRACE(r.points);
    EXPECT_EQ(DecideState(w, 3, m, MissingData::kMissing, S::kOk), r.missing);
    EXPECT_EQ(DecideState(w, 3, m, MissingData::kBreaching, S::kOk), r.breaching);
    EXPECT_EQ(DecideState(w, 3, m, MissingData::kNotBreaching, S::kOk), r.not_breaching);
    for (S current : {S::kOk, S::kAlarm, kIns}) {
      S expected = r.ignore_retains ? current : r.ignore;
      EXPECT_EQ(DecideState(w, 3, m, MissingData::kIgnore, current), expected);
    }
  }
}

TEST(DecideState, DocumentationTableThreeOfThree) {
  CheckTable(kThreeOfThree, std::size(kThreeOfThree), 3);
}

TEST(DecideState, DocumentationTableTwoOfThree) {
  CheckTable(kTwoOfThree, std::size(kTwoOfThree), 2);
}

// The documentation's last 3-of-3 row, "X - - - -", says ALARM for `missing` because "the oldest
// evaluated data point is breaching"; the row "- - - - X" with the same single breaching point
// says INSUFFICIENT_DATA. The stated rule (every real datapoint in the range counts, wherever it
// is) cannot give both; vigil follows the rule and answers the same for both rows
// (docs/replay.md §4.3). This test pins that decision.
TEST(DecideState, DocumentedPositionDependentRowIsNotReproduced) {
  EXPECT_EQ(DecideState(W("X - - - -"), 3, 3, MissingData::kMissing, S::kOk), kIns);
  EXPECT_EQ(DecideState(W("X - - - -"), 3, 3, MissingData::kBreaching, S::kOk), S::kAlarm);
  EXPECT_EQ(DecideState(W("X - - - -"), 3, 3, MissingData::kNotBreaching, S::kOk), S::kOk);
  EXPECT_EQ(DecideState(W("X - - - -"), 3, 3, MissingData::kIgnore, S::kAlarm), S::kAlarm);
}

TEST(DecideState, EnoughRealDatapointsIgnoreTheSetting) {
  // Four real points, N = 3: the newest three decide, the oldest breaching one does not count.
  for (MissingData md : {MissingData::kMissing, MissingData::kBreaching, MissingData::kNotBreaching,
                         MissingData::kIgnore}) {
    std::vector<size_t> evaluated;
    EXPECT_EQ(DecideState(W("X 0 - 0 0"), 3, 1, md, kIns, &evaluated), S::kOk);
    EXPECT_EQ(evaluated, (std::vector<size_t>{1, 3, 4}));
  }
}

TEST(Stats, EachStatistic) {
  Stats s;
  for (double v : {1.0, 5.0, 3.0}) s.Add(v);
  EXPECT_EQ(s.Get(Statistic::kSum), 9);
  EXPECT_EQ(s.Get(Statistic::kAverage), 3);
  EXPECT_EQ(s.Get(Statistic::kMinimum), 1);
  EXPECT_EQ(s.Get(Statistic::kMaximum), 5);
  EXPECT_EQ(s.Get(Statistic::kSampleCount), 3);
  Stats t;
  t.Add(-2);
  s.Merge(t);
  EXPECT_EQ(s.Get(Statistic::kMinimum), -2);
  EXPECT_EQ(s.Get(Statistic::kSampleCount), 4);
  EXPECT_EQ(s.Get(Statistic::kAverage), 7.0 / 4);
}

TEST(Breaches, EveryComparisonAtAndAroundTheThreshold) {
  AlarmSpec spec;
  spec.threshold = 2;
  struct Case {
    Comparison c;
    bool below, at, above;
  } cases[] = {
      {Comparison::kGreaterThanOrEqualToThreshold, false, true, true},
      {Comparison::kGreaterThanThreshold, false, false, true},
      {Comparison::kLessThanThreshold, true, false, false},
      {Comparison::kLessThanOrEqualToThreshold, true, true, false},
  };
  for (const Case& c : cases) {
    spec.comparison = c.c;
    SCOPED_TRACE(std::string(Name(c.c)));
    EXPECT_EQ(Breaches(spec, 1.5), c.below);
    EXPECT_EQ(Breaches(spec, 2), c.at);
    EXPECT_EQ(Breaches(spec, 2.5), c.above);
  }
}

constexpr int64_t kMin = 60000;
constexpr int64_t kP = 5 * kMin;  // a 300 s period

AlarmSpec Spec(int n, int m, MissingData md, Statistic st = Statistic::kSum, double threshold = 1,
               Comparison c = Comparison::kGreaterThanOrEqualToThreshold) {
  AlarmSpec s;
  s.name = "a";
  s.statistic = st;
  s.period_seconds = 300;
  s.evaluation_periods = n;
  s.datapoints_to_alarm = m;
  s.threshold = threshold;
  s.comparison = c;
  s.treat_missing_data = md;
  return s;
}

std::string Trace(const AlarmTimeline& t) {
  std::string out;
  for (const Transition& tr : t.transitions) {
    out += std::to_string(tr.time_ms / kP) + ":" + std::string(Name(tr.to)) + " ";
  }
  return out;
}

// Statistic values per period from samples, as the engine computes them.
std::map<int64_t, double> Values(const std::map<int64_t, std::vector<double>>& samples,
                                 Statistic st) {
  std::map<int64_t, double> out;
  for (const auto& [p, vs] : samples) {
    Stats s;
    for (double v : vs) s.Add(v);
    out[p * kP] = s.Get(st);
  }
  return out;
}

TEST(EvaluateAlarm, EachStatisticDecidesTheSameSamplesDifferently) {
  // Period 2 holds samples 1, 1, 4; period 4 holds one sample 2.
  std::map<int64_t, std::vector<double>> samples = {{2, {1, 1, 4}}, {4, {2}}};
  struct Case {
    Statistic st;
    double threshold;
    const char* trace;
  } cases[] = {
      // Sum 6 and 2: only period 2 reaches 5.
      {Statistic::kSum, 5, "1:OK 3:ALARM 4:OK "},
      // Average 2 and 2: both reach 2 (period 3 between them is missing: not breaching).
      {Statistic::kAverage, 2, "1:OK 3:ALARM 4:OK 5:ALARM 6:OK "},
      // Minimum 1 and 2: only period 4.
      {Statistic::kMinimum, 2, "1:OK 5:ALARM 6:OK "},
      // Maximum 4 and 2: only period 2 reaches 3.
      {Statistic::kMaximum, 3, "1:OK 3:ALARM 4:OK "},
      // SampleCount 3 and 1: only period 2 reaches 2.
      {Statistic::kSampleCount, 2, "1:OK 3:ALARM 4:OK "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(Name(c.st)));
    AlarmSpec spec = Spec(1, 1, MissingData::kNotBreaching, c.st, c.threshold);
    spec.evaluation_periods = 1;
    EvalOptions o;
    o.extra_range = 0;  // no look-back: each period alone
    AlarmTimeline t = EvaluateAlarm(spec, Values(samples, c.st), 0, 6 * kP, o);
    EXPECT_EQ(Trace(t), c.trace);
  }
}

TEST(EvaluateAlarm, EachMissingDataModeAfterOneBreach) {
  // One breaching datapoint in period 3 of 0..11, N = M = 1, range 3 (1 + 2).
  std::map<int64_t, double> v = {{3 * kP, 5}};
  struct Case {
    MissingData md;
    const char* trace;
  } cases[] = {
      // No data at first: INSUFFICIENT_DATA stays; the breach is seen while it is in the range
      // (the evaluations of periods 3, 4, 5, at 4, 5, 6), then no data again at 7.
      {MissingData::kMissing, "4:ALARM 7:INSUFFICIENT_DATA "},
      {MissingData::kNotBreaching, "1:OK 4:ALARM 7:OK "},
      {MissingData::kBreaching, "1:ALARM "},
      // ignore keeps the state when there is no data: INSUFFICIENT_DATA, then ALARM for good.
      {MissingData::kIgnore, "4:ALARM "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(Name(c.md)));
    AlarmTimeline t = EvaluateAlarm(Spec(1, 1, c.md), v, 0, 12 * kP);
    EXPECT_EQ(Trace(t), c.trace);
  }
}

TEST(EvaluateAlarm, OkDatapointsEndTheAlarmAtOnce) {
  // A metric with a defaultValue of 0 reports every period: the alarm leaves ALARM at the next
  // evaluation instead of waiting for the breach to leave the range.
  std::map<int64_t, double> v;
  for (int p = 0; p < 8; ++p) v[p * kP] = p == 3 ? 1 : 0;
  AlarmTimeline t = EvaluateAlarm(Spec(1, 1, MissingData::kMissing), v, 0, 8 * kP);
  EXPECT_EQ(Trace(t), "1:OK 4:ALARM 5:OK ");
  ASSERT_EQ(t.episodes.size(), 1u);
  EXPECT_EQ(t.episodes[0].start_ms, 4 * kP);
  EXPECT_EQ(t.episodes[0].end_ms, 5 * kP);
  EXPECT_EQ(t.episodes[0].breaching_periods, (std::vector<int64_t>{3 * kP}));
}

TEST(EvaluateAlarm, MOfNNeedNotBeConsecutive) {
  // Every period reports (0 or a breach). 2 of 3: X 0 X fires, X 0 0 X does not.
  auto run = [](std::string_view pattern) {
    std::map<int64_t, double> v;
    for (size_t i = 0; i < pattern.size(); ++i) v[static_cast<int64_t>(i) * kP] = pattern[i] == 'X';
    return EvaluateAlarm(Spec(3, 2, MissingData::kMissing), v, 0,
                         static_cast<int64_t>(pattern.size()) * kP);
  };
  // At 4 the newest three are X 0 X; at 5 they are 0 X 0.
  AlarmTimeline fires = run("0X0X0000");
  EXPECT_EQ(Trace(fires), "1:OK 4:ALARM 5:OK ");
  EXPECT_EQ(fires.episodes[0].breaching_periods, (std::vector<int64_t>{1 * kP, 3 * kP}));
  EXPECT_EQ(Trace(run("0X00X000")), "1:OK ");
  // 3 of 3 needs three in a row of the newest three.
  std::map<int64_t, double> v;
  for (int i = 0; i < 6; ++i) v[i * kP] = i >= 2 && i <= 4;
  EXPECT_EQ(Trace(EvaluateAlarm(Spec(3, 3, MissingData::kMissing), v, 0, 6 * kP)),
            "1:OK 5:ALARM 6:OK ");
}

TEST(EvaluateAlarm, LessThanAlarmWithBreachingMissingData) {
  // A heartbeat: fewer than 1 event per period is bad, and silence is bad.
  std::map<int64_t, double> v = {{0, 3}, {1 * kP, 2}};
  AlarmTimeline t = EvaluateAlarm(
      Spec(1, 1, MissingData::kBreaching, Statistic::kSum, 1, Comparison::kLessThanThreshold), v, 0,
      8 * kP);
  // The last real datapoint (period 1) is in the range of the evaluations at 2, 3 and 4; the
  // first evaluation without any is at 5.
  EXPECT_EQ(Trace(t), "1:OK 5:ALARM ");
  ASSERT_EQ(t.episodes.size(), 1u);
  EXPECT_FALSE(t.episodes[0].end_ms.has_value());
  EXPECT_TRUE(t.episodes[0].breaching_periods.empty());  // ALARM on missing data alone
  EXPECT_EQ(t.final_state, S::kAlarm);
}

// The gap skipping must give exactly what evaluating every period gives.
TEST(EvaluateAlarm, SkippingGapsEqualsEvaluatingEveryPeriod) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    int n = 1 + static_cast<int>(rng() % 4);
    int m = 1 + static_cast<int>(rng() % n);
    MissingData md = static_cast<MissingData>(rng() % 4);
    AlarmSpec spec = Spec(n, m, md);
    EvalOptions o;
    o.extra_range = static_cast<int>(rng() % 3);
    std::map<int64_t, double> v;
    int periods = 40 + static_cast<int>(rng() % 80);
    for (int p = 0; p < periods; ++p) {
      if (rng() % 9 == 0) v[p * kP] = static_cast<double>(rng() % 3);
    }
    AlarmTimeline fast = EvaluateAlarm(spec, v, 0, periods * kP, o);
    // Reference: every period, no skipping.
    std::string slow;
    S state = kIns;
    int range = n + o.extra_range;
    for (int p = 0; p < periods; ++p) {
      std::vector<std::optional<bool>> w;
      for (int i = p - range + 1; i <= p; ++i) {
        auto it = v.find(static_cast<int64_t>(i) * kP);
        w.push_back(it == v.end() ? std::nullopt : std::optional<bool>(it->second >= 1));
      }
      S next = DecideState(w, n, m, md, state);
      if (next != state) slow += std::to_string(p + 1) + ":" + std::string(Name(next)) + " ";
      state = next;
    }
    ASSERT_EQ(Trace(fast), slow) << "round " << round << " n=" << n << " m=" << m
                                 << " md=" << Name(md);
  }
}

TEST(Validate, RejectsWhatCannotBeEvaluated) {
  AlarmSpec s = Spec(3, 2, MissingData::kMissing);
  EXPECT_TRUE(Validate(s).ok());
  s.period_seconds = 30;
  EXPECT_NE(Validate(s).message().find("multiple of 60"), std::string::npos);
  s = Spec(2, 3, MissingData::kMissing);
  EXPECT_NE(Validate(s).message().find("datapointsToAlarm 3"), std::string::npos);
  s = Spec(1, 1, MissingData::kMissing);
  s.comparison = Comparison::kLessThanLowerOrGreaterThanUpperThreshold;
  EXPECT_NE(Validate(s).message().find("anomaly detection band"), std::string::npos);
}

TEST(Parse, NamesRoundTripAndErrorsListTheChoices) {
  for (const char* n : {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}) {
    EXPECT_EQ(Name(*ParseStatistic(n)), n);
  }
  for (const char* n : {"missing", "notBreaching", "breaching", "ignore"}) {
    EXPECT_EQ(Name(*ParseMissingData(n)), n);
  }
  EXPECT_EQ(Name(*ParseComparison("LessThanLowerThreshold")), "LessThanLowerThreshold");
  auto bad = ParseStatistic("sum");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected one of SampleCount"), std::string::npos);
  EXPECT_NE(ParseStatistic("p99").status().message().find("extended statistic"),
            std::string::npos);
  EXPECT_FALSE(ParseMissingData("NotBreaching").ok());
}

TEST(Time, ParsesCloudTrailTimesAndRejectsOthers) {
  EXPECT_EQ(ParseIsoTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIsoTime("2024-03-12T09:14:05Z"), 1710234845000);
  EXPECT_EQ(ParseIsoTime("2024-03-12T09:14:05.250Z"), 1710234845250);
  EXPECT_EQ(ParseIsoTime("2024-03-12T09:14:05+00:00"), 1710234845000);
  EXPECT_EQ(ParseIsoTime("2024-03-12"), 1710201600000);
  EXPECT_EQ(ParseIsoTime("2024-02-29T00:00:00Z"), 1709164800000);
  for (const char* bad : {"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-03-12T24:00:00Z",
                          "2024-03-12T09:14:05", "2024-03-12T09:14:05+01:00", "2024-3-12", "",
                          "2024-03-12T09:14:05.Z"}) {
    EXPECT_FALSE(ParseIsoTime(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatIsoTime(1710234845000), "2024-03-12T09:14:05Z");
  EXPECT_EQ(FormatIsoTime(1710234845250), "2024-03-12T09:14:05.250Z");
  EXPECT_EQ(FormatIsoTime(-1000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FloorTo(-1, 60000), -60000);
  EXPECT_EQ(FloorTo(59999, 60000), 0);
}

}  // namespace
}  // namespace vigil::replay
