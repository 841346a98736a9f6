#include "replay/render.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/text.h"
#include "replay/time_util.h"

namespace vigil::replay {
namespace {

std::string_view Op(Comparison c) {
  switch (c) {
    case Comparison::kGreaterThanOrEqualToThreshold: return ">=";
    case Comparison::kGreaterThanThreshold: return ">";
    case Comparison::kLessThanThreshold: return "<";
    case Comparison::kLessThanOrEqualToThreshold: return "<=";
    default: return Name(c);
  }
}

std::string Num(double v) { return FormatNumber(v); }

std::string Location(const InputList& inputs, const EventInfo& e) {
  std::string path = e.file < inputs.files.size() ? inputs.files[e.file].path : "?";
  if (path == "-") path = "<stdin>";
  std::string s = fmt::format("{}:{}", path, e.line);
  if (e.record) s += fmt::format(" record {}", e.record);
  return s;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string Color(bool on, const char* code, std::string_view s) {
  if (!on) return std::string(s);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
}

size_t TimesInAlarm(const AlarmResult& r) { return r.timeline.episodes.size(); }

std::string SpecLine(const Alarm& a) {
  const AlarmSpec& s = a.spec;
  std::string metric = a.ns + "/" + a.metric_name;
  if (!a.dimensions.empty()) metric += " {" + a.dimensions + "}";
  return fmt::format("{}: {} {} {} over {} s, {} of {} datapoints, missing data {}", metric,
                     Name(s.statistic), Op(s.comparison), Num(s.threshold), s.period_seconds,
                     s.datapoints_to_alarm, s.evaluation_periods, Name(s.treat_missing_data));
}

}  // namespace

bool AnyAlarmFired(const ReplayResult& result) {
  for (const AlarmResult& a : result.alarms) {
    if (!a.timeline.episodes.empty()) return true;
  }
  return false;
}

std::string RenderTable(const Plan& plan, const InputList& /*inputs*/,
                        const ReplayResult& result, const RenderOptions& options) {
  const ReplaySummary& s = result.summary;
  std::string out;
  out += fmt::format("Replayed {} of {} events from {} file{}", s.events_replayed, s.events,
                     s.files, s.files == 1 ? "" : "s");
  if (s.first_event_ms) {
    out += fmt::format(", {} to {}", FormatIsoTime(*s.first_event_ms),
                       FormatIsoTime(*s.last_event_ms));
  }
  out += "\n";
  std::vector<std::string> skipped;
  if (s.digest_files) skipped.push_back(fmt::format("{} digest files", s.digest_files));
  if (s.other_files) skipped.push_back(fmt::format("{} other files", s.other_files));
  if (s.before_from) skipped.push_back(fmt::format("{} events before --from", s.before_from));
  if (s.after_to) skipped.push_back(fmt::format("{} events at or after --to", s.after_to));
  if (s.no_event_time) {
    skipped.push_back(fmt::format("{} events without a valid eventTime", s.no_event_time));
  }
  if (s.too_long) skipped.push_back(fmt::format("{} events over the size limit", s.too_long));
  if (s.unusable_values) {
    skipped.push_back(fmt::format("{} matches without a numeric metric value", s.unusable_values));
  }
  if (!skipped.empty()) {
    out += "Skipped: ";
    for (size_t i = 0; i < skipped.size(); ++i) out += (i ? ", " : "") + skipped[i];
    out += "\n";
  }
  if (!s.problems.empty()) {
    out += fmt::format("{}: {} file{} could not be read in full:\n",
                       Color(options.color, "31", "Problems"), s.problems.size(),
                       s.problems.size() == 1 ? "" : "s");
    for (const FileProblem& p : s.problems) {
      out += fmt::format("  {}: {}{}\n", p.path, p.message,
                         p.partial ? " (events before this point were replayed)" : " (skipped)");
    }
  }
  for (size_t g = 0; g < plan.log_groups.size(); ++g) {
    const LogGroup& lg = plan.log_groups[g];
    out += fmt::format("\nLog group {}{}", lg.name, lg.region.empty() ? "" : " (" + lg.region + ")");
    if (!lg.trails.empty()) {
      out += " <- trail";
      for (size_t i = 0; i < lg.trails.size(); ++i) out += (i ? ", " : " ") + lg.trails[i];
    }
    if (!lg.event_regions.empty()) {
      out += ", events of";
      for (const std::string& r : lg.event_regions) out += " " + r;
    }
    out += "\n";
    for (size_t f = 0; f < plan.filters.size(); ++f) {
      if (plan.filters[f].log_group != g) continue;
      uint64_t m = f < s.filter_matches.size() ? s.filter_matches[f] : 0;
      out += fmt::format("  {:>8} match{}  {}\n", m, m == 1 ? " " : "es", plan.filters[f].name);
    }
  }
  if (!plan.notes.empty()) {
    out += "\nNotes:\n";
    for (const std::string& n : plan.notes) out += "  - " + n + "\n";
  }
  size_t evaluated = 0, fired = 0;
  for (const AlarmResult& a : result.alarms) {
    evaluated += a.evaluated;
    fired += TimesInAlarm(a) > 0;
  }
  out += fmt::format("\nAlarms: {} evaluated, {} went to ALARM, {} not evaluated", evaluated, fired,
                     result.alarms.size() - evaluated);
  if (result.has_window) {
    out += fmt::format(" (replay window {} to {})", FormatIsoTime(result.start_ms),
                       FormatIsoTime(result.end_ms));
  }
  out += "\n";
  for (const AlarmResult& ar : result.alarms) {
    const Alarm& a = plan.alarms[ar.alarm];
    std::string where = a.region.empty() ? "" : " (" + a.region + ")";
    if (!ar.evaluated) {
      std::string why = a.not_evaluated.empty() ? "no events to replay" : a.not_evaluated;
      out += fmt::format("\n{}{}: not evaluated: {}\n", a.spec.name, where, why);
      continue;
    }
    size_t times = TimesInAlarm(ar);
    std::string verdict =
        times == 0 ? Color(options.color, "32", "never in ALARM")
                   : Color(options.color, "1;31",
                           fmt::format("ALARM {} time{}", times, times == 1 ? "" : "s"));
    out += fmt::format("\n{}{}: {}, ends in {}{}\n", a.spec.name, where, verdict,
                       Name(ar.timeline.final_state),
                       a.actions_enabled ? "" : " (actions disabled: no notification)");
    out += "  " + SpecLine(a) + "\n";
    size_t breaching = 0;
    for (const Datapoint& d : ar.datapoints) breaching += d.breaching;
    out += fmt::format("  datapoints: {} period{} with data, {} breaching\n", ar.datapoints.size(),
                       ar.datapoints.size() == 1 ? "" : "s", breaching);
    size_t shown = 0;
    for (const Datapoint& d : ar.datapoints) {
      if (shown++ == options.table_datapoints) {
        out += fmt::format("    ... {} more (--format json lists all)\n",
                           ar.datapoints.size() - options.table_datapoints);
        break;
      }
      out += fmt::format("    {}  {} {} ({} sample{}){}\n", FormatIsoTime(d.period_ms),
                         Name(a.spec.statistic), Num(d.value), Num(d.stats.count),
                         d.stats.count == 1 ? "" : "s", d.breaching ? "  breaching" : "");
    }
    if (!ar.timeline.transitions.empty()) out += "  state changes:\n";
    for (const Transition& t : ar.timeline.transitions) {
      out += fmt::format("    {}  {} -> {}: {}\n", FormatIsoTime(t.time_ms), Name(t.from),
                         Name(t.to), t.reason);
    }
    for (const AlarmEpisode& e : ar.timeline.episodes) {
      out += fmt::format("  in ALARM from {} to {}\n", FormatIsoTime(e.start_ms),
                         e.end_ms ? FormatIsoTime(*e.end_ms) : "the end of the replay");
      if (e.breaching_periods.empty()) {
        out += "    no breaching datapoint: missing data treated as breaching\n";
      }
      for (int64_t p : e.breaching_periods) {
        // Both lists are in time order, one entry per period (see RenderJson).
        const AlarmPeriodEvents* pe = nullptr;
        auto x = std::lower_bound(
            ar.alarm_periods.begin(), ar.alarm_periods.end(), p,
            [](const AlarmPeriodEvents& e, int64_t t) { return e.period_ms < t; });
        if (x != ar.alarm_periods.end() && x->period_ms == p) pe = &*x;
        const Datapoint* dp = nullptr;
        auto d = std::lower_bound(ar.datapoints.begin(), ar.datapoints.end(), p,
                                  [](const Datapoint& v, int64_t t) { return v.period_ms < t; });
        if (d != ar.datapoints.end() && d->period_ms == p) dp = &*d;
        out += fmt::format("    period {}: {} {}\n", FormatIsoTime(p), Name(a.spec.statistic),
                           dp ? Num(dp->value) : "?");
        if (!pe) continue;
        for (const EventInfo& ev : pe->events) {
          out += fmt::format("      {}  {}  {}  {}  {}  {}\n", FormatIsoTime(ev.time_ms),
                             OrDash(ev.event_name), OrDash(ev.event_source), OrDash(ev.user),
                             OrDash(ev.source_ip), OrDash(ev.event_id));
        }
        if (pe->omitted) out += fmt::format("      ... and {} more events\n", pe->omitted);
      }
    }
  }
  return out;
}

namespace {

void Key(std::string& o, std::string_view k) {
  AppendJsonString(o, k);
  o += ": ";
}
void Str(std::string& o, std::string_view k, std::string_view v) {
  Key(o, k);
  AppendJsonString(o, v);
}
std::string JsonNum(double v) {
  if (v != v || v == std::numeric_limits<double>::infinity() ||
      v == -std::numeric_limits<double>::infinity()) {
    return "null";
  }
  return FormatNumber(v);
}

void EventJson(std::string& o, const InputList& inputs, const EventInfo& e) {
  o += "{";
  Str(o, "eventTime", FormatIsoTime(e.time_ms));
  o += ", ";
  Str(o, "eventName", e.event_name);
  o += ", ";
  Str(o, "eventSource", e.event_source);
  o += ", ";
  Str(o, "user", e.user);
  o += ", ";
  Str(o, "sourceIPAddress", e.source_ip);
  o += ", ";
  Str(o, "eventID", e.event_id);
  o += ", ";
  Str(o, "awsRegion", e.region);
  o += fmt::format(", \"value\": {}, ", JsonNum(e.value));
  Str(o, "location", Location(inputs, e));
  o += "}";
}

}  // namespace

std::string RenderJson(const Plan& plan, const InputList& inputs, const ReplayResult& result) {
  const ReplaySummary& s = result.summary;
  std::string o = "{\n  \"schemaVersion\": 1,\n  \"summary\": {";
  o += fmt::format(
      "\"files\": {}, \"digestFilesSkipped\": {}, \"otherFilesSkipped\": {}, \"events\": {}, "
      "\"eventsReplayed\": {}, \"beforeFrom\": {}, \"afterTo\": {}, \"withoutEventTime\": {}, "
      "\"tooLong\": {}, \"unusableMetricValues\": {}, \"filesWithProblems\": {}",
      s.files, s.digest_files, s.other_files, s.events, s.events_replayed, s.before_from,
      s.after_to, s.no_event_time, s.too_long, s.unusable_values, s.problems.size());
  o += ", \"firstEventTime\": ";
  o += s.first_event_ms ? JsonString(FormatIsoTime(*s.first_event_ms)) : "null";
  o += ", \"lastEventTime\": ";
  o += s.last_event_ms ? JsonString(FormatIsoTime(*s.last_event_ms)) : "null";
  o += ", \"windowStart\": ";
  o += result.has_window ? JsonString(FormatIsoTime(result.start_ms)) : "null";
  o += ", \"windowEnd\": ";
  o += result.has_window ? JsonString(FormatIsoTime(result.end_ms)) : "null";
  o += "},\n  \"problems\": [";
  for (size_t i = 0; i < s.problems.size(); ++i) {
    o += i ? ",\n    {" : "\n    {";
    Str(o, "file", s.problems[i].path);
    o += ", ";
    Str(o, "message", s.problems[i].message);
    o += fmt::format(", \"partial\": {}}}", s.problems[i].partial ? "true" : "false");
  }
  o += s.problems.empty() ? "],\n" : "\n  ],\n";
  o += "  \"logGroups\": [";
  for (size_t g = 0; g < plan.log_groups.size(); ++g) {
    const LogGroup& lg = plan.log_groups[g];
    o += g ? ",\n    {" : "\n    {";
    Str(o, "name", lg.name);
    o += ", ";
    Str(o, "region", lg.region);
    o += ", \"trails\": [";
    for (size_t i = 0; i < lg.trails.size(); ++i) {
      if (i) o += ", ";
      AppendJsonString(o, lg.trails[i]);
    }
    o += "], \"eventRegions\": [";
    for (size_t i = 0; i < lg.event_regions.size(); ++i) {
      if (i) o += ", ";
      AppendJsonString(o, lg.event_regions[i]);
    }
    o += "], \"filters\": [";
    bool first = true;
    for (size_t f = 0; f < plan.filters.size(); ++f) {
      const Filter& filter = plan.filters[f];
      if (filter.log_group != g) continue;
      o += first ? "\n      {" : ",\n      {";
      first = false;
      Str(o, "filterName", filter.name);
      o += ", ";
      Str(o, "filterPattern", filter.pattern_text);
      o += fmt::format(", \"matches\": {}, \"metrics\": [",
                       f < s.filter_matches.size() ? s.filter_matches[f] : 0);
      for (size_t t = 0; t < filter.transformations.size(); ++t) {
        if (t) o += ", ";
        AppendJsonString(o, plan.metrics[filter.transformations[t].metric].Label());
      }
      o += "]}";
    }
    o += first ? "]}" : "\n    ]}";
  }
  o += plan.log_groups.empty() ? "],\n" : "\n  ],\n";
  o += "  \"notes\": [";
  for (size_t i = 0; i < plan.notes.size(); ++i) {
    o += i ? ",\n    " : "\n    ";
    AppendJsonString(o, plan.notes[i]);
  }
  o += plan.notes.empty() ? "],\n" : "\n  ],\n";
  o += "  \"alarms\": [";
  for (size_t i = 0; i < result.alarms.size(); ++i) {
    const AlarmResult& ar = result.alarms[i];
    const Alarm& a = plan.alarms[ar.alarm];
    const AlarmSpec& sp = a.spec;
    o += i ? ",\n    {" : "\n    {";
    Str(o, "alarmName", sp.name);
    o += ", ";
    Str(o, "alarmArn", a.arn);
    o += ", ";
    Str(o, "region", a.region);
    o += ", ";
    Str(o, "namespace", a.ns);
    o += ", ";
    Str(o, "metricName", a.metric_name);
    o += ", ";
    Str(o, "dimensions", a.dimensions);
    o += ", ";
    Str(o, "statistic", Name(sp.statistic));
    o += fmt::format(", \"period\": {}, \"evaluationPeriods\": {}, \"datapointsToAlarm\": {}, "
                     "\"threshold\": {}, ",
                     sp.period_seconds, sp.evaluation_periods, sp.datapoints_to_alarm,
                     JsonNum(sp.threshold));
    Str(o, "comparisonOperator", Name(sp.comparison));
    o += ", ";
    Str(o, "treatMissingData", Name(sp.treat_missing_data));
    o += fmt::format(", \"actionsEnabled\": {}, \"evaluated\": {}",
                     a.actions_enabled ? "true" : "false", ar.evaluated ? "true" : "false");
    if (!ar.evaluated) {
      o += ", ";
      Str(o, "notEvaluatedReason", a.not_evaluated.empty() ? "no events to replay" : a.not_evaluated);
      o += "}";
      continue;
    }
    o += ", ";
    Str(o, "finalState", Name(ar.timeline.final_state));
    o += fmt::format(", \"timesInAlarm\": {},\n      \"stateChanges\": [", TimesInAlarm(ar));
    for (size_t t = 0; t < ar.timeline.transitions.size(); ++t) {
      const Transition& tr = ar.timeline.transitions[t];
      o += t ? ",\n        {" : "\n        {";
      Str(o, "time", FormatIsoTime(tr.time_ms));
      o += ", ";
      Str(o, "from", Name(tr.from));
      o += ", ";
      Str(o, "to", Name(tr.to));
      o += ", ";
      Str(o, "reason", tr.reason);
      o += "}";
    }
    o += ar.timeline.transitions.empty() ? "],\n" : "\n      ],\n";
    o += "      \"alarmPeriods\": [";
    for (size_t e = 0; e < ar.timeline.episodes.size(); ++e) {
      const AlarmEpisode& ep = ar.timeline.episodes[e];
      o += e ? ",\n        {" : "\n        {";
      Str(o, "start", FormatIsoTime(ep.start_ms));
      o += ", \"end\": ";
      o += ep.end_ms ? JsonString(FormatIsoTime(*ep.end_ms)) : "null";
      o += ", \"breachingDatapoints\": [";
      for (size_t b = 0; b < ep.breaching_periods.size(); ++b) {
        int64_t p = ep.breaching_periods[b];
        o += b ? ",\n          {" : "\n          {";
        Str(o, "period", FormatIsoTime(p));
        // Datapoints and alarm periods are in time order, one per period: binary searches (a
        // scan of both per breaching period was quadratic, seconds for an alarm that fires
        // thousands of times).
        double value = 0;
        auto dp = std::lower_bound(
            ar.datapoints.begin(), ar.datapoints.end(), p,
            [](const Datapoint& d, int64_t t) { return d.period_ms < t; });
        if (dp != ar.datapoints.end() && dp->period_ms == p) value = dp->value;
        o += fmt::format(", \"value\": {}, \"events\": [", JsonNum(value));
        auto first = std::lower_bound(
            ar.alarm_periods.begin(), ar.alarm_periods.end(), p,
            [](const AlarmPeriodEvents& e, int64_t t) { return e.period_ms < t; });
        for (auto pe_it = first; pe_it != ar.alarm_periods.end() && pe_it->period_ms == p;
             ++pe_it) {
          const AlarmPeriodEvents& pe = *pe_it;
          for (size_t k = 0; k < pe.events.size(); ++k) {
            o += k ? ",\n            " : "\n            ";
            EventJson(o, inputs, pe.events[k]);
          }
          o += pe.events.empty() ? "]" : "\n          ]";
          o += fmt::format(", \"omittedEvents\": {}", pe.omitted);
        }
        o += "}";
      }
      o += ep.breaching_periods.empty() ? "]}" : "\n        ]}";
    }
    o += ar.timeline.episodes.empty() ? "],\n" : "\n      ],\n";
    o += "      \"datapoints\": [";
    for (size_t d = 0; d < ar.datapoints.size(); ++d) {
      const Datapoint& dp = ar.datapoints[d];
      o += d ? ",\n        {" : "\n        {";
      Str(o, "period", FormatIsoTime(dp.period_ms));
      o += fmt::format(
          ", \"value\": {}, \"sum\": {}, \"sampleCount\": {}, \"minimum\": {}, \"maximum\": {}, "
          "\"breaching\": {}}}",
          JsonNum(dp.value), JsonNum(dp.stats.sum), JsonNum(dp.stats.count), JsonNum(dp.stats.min),
          JsonNum(dp.stats.max), dp.breaching ? "true" : "false");
    }
    o += ar.datapoints.empty() ? "]}" : "\n      ]}";
  }
  o += result.alarms.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return o;
}

}  // namespace vigil::replay
