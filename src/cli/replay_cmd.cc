// vigil replay: CloudTrail history through an account's metric filters and alarms.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/file_util.h"
#include "cli/commands.h"
#include "gsl/inventory.h"
#include "replay/plan.h"
#include "replay/render.h"
#include "replay/replay.h"
#include "replay/time_util.h"
#include "rules/embedded.h"

namespace vigil::cli {
namespace {

using replay::AlarmSpec;

struct ReplayArgs {
  std::vector<std::string> paths;
  std::string inventory;
  bool demo = false;
  std::vector<std::string> trails;
  std::string filters, alarms, log_group;
  std::vector<std::string> patterns;
  std::string statistic = "Sum", comparison = "GreaterThanOrEqualToThreshold";
  std::string treat_missing = "notBreaching";
  int64_t period = 300;
  int evaluation_periods = 1, datapoints_to_alarm = 0;
  double threshold = 1;
  std::string from, to, format = "table", output;
  size_t threads = 0, readers = 0, max_events_per_period = 100;
  size_t max_event_bytes = 1 << 20;
  int extra_range = 2;
  std::string progress = "auto";
  bool stats = false;
};

int Fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return kExitInvalid;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  return fmt::format("{:.1f} {}", b, units[u]);
}

void DrawProgress(const replay::Progress& p) {
  double rate = p.seconds > 0 ? p.bytes_read / p.seconds : 0;
  std::string line;
  if (p.bytes_total > 0) {
    double frac = std::min(1.0, static_cast<double>(p.bytes_read) / p.bytes_total);
    int width = 24, filled = static_cast<int>(frac * width);
    std::string bar(filled, '=');
    if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
    std::string eta = "--:--";
    if (rate > 0 && frac > 0) {
      int secs = static_cast<int>((p.bytes_total - p.bytes_read) / rate);
      eta = fmt::format("{}:{:02}", secs / 60, secs % 60);
    }
    line = fmt::format("[{}] {:3.0f}%  {} / {}  {} events  {}/s  ETA {}", bar, frac * 100,
                       HumanBytes(p.bytes_read), HumanBytes(p.bytes_total), p.events,
                       HumanBytes(rate), eta);
  } else {
    line = fmt::format("{} read  {} events  {}/s", HumanBytes(p.bytes_read), p.events,
                       HumanBytes(rate));
  }
  std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  std::fflush(stderr);
}

std::optional<int64_t> ParseBound(const std::string& s, const char* flag, bool* bad) {
  if (s.empty()) return std::nullopt;
  auto t = replay::ParseIsoTime(s);
  if (!t) {
    std::fprintf(stderr,
                 "error: %s %s: expected an ISO-8601 UTC time such as 2024-03-01 or "
                 "2024-03-01T12:00:00Z\n",
                 flag, s.c_str());
    *bad = true;
  }
  return t;
}

int RunReplay(const ReplayArgs& a) {
  int sources = (a.demo ? 1 : 0) + (a.inventory.empty() ? 0 : 1) + (a.filters.empty() ? 0 : 1);
  if (sources > 1) return Fail("give one of --inventory, --demo and --filters");
  if (sources == 0 && a.patterns.empty()) {
    return Fail("nothing to replay through: give --inventory FILE, --demo, --filters FILE "
                "(with --alarms FILE), or --pattern P");
  }
  if (!a.alarms.empty() && a.filters.empty()) return Fail("--alarms needs --filters");
  if (!a.log_group.empty() && a.filters.empty()) return Fail("--log-group needs --filters");
  if (!a.trails.empty() && a.inventory.empty() && !a.demo) {
    return Fail("--trail needs --inventory or --demo");
  }
  if (a.format != "table" && a.format != "json") {
    return Fail(fmt::format("--format {}: expected table or json", a.format));
  }
  bool bad = false;
  replay::ReplayOptions ro;
  ro.from_ms = ParseBound(a.from, "--from", &bad);
  ro.to_ms = ParseBound(a.to, "--to", &bad);
  if (bad) return kExitInvalid;
  if (ro.from_ms && ro.to_ms && *ro.from_ms >= *ro.to_ms) {
    return Fail("--from must be before --to");
  }

  // The plan.
  replay::Plan plan;
  if (a.demo || !a.inventory.empty()) {
    std::unique_ptr<gsl::Inventory> inv;
    std::string name = a.demo ? "demo account" : a.inventory;
    if (a.demo) {
      const embedded::File* f = embedded::Find("account.json");
      if (!f) return Fail("this build has no demo account");
      auto r = gsl::Inventory::FromText(std::string(f->text()), name);
      if (!r.ok()) return Fail(r.status().message());
      inv = std::move(*r);
    } else {
      auto r = gsl::Inventory::Load(a.inventory);
      if (!r.ok()) return Fail(r.status().message());
      inv = std::move(*r);
    }
    replay::InventoryPlanOptions po;
    po.trails = a.trails;
    auto p = replay::PlanFromInventory(*inv, name, po);
    if (!p.ok()) return Fail(p.status().message());
    plan = std::move(*p);
  } else if (!a.filters.empty()) {
    std::string ftext, atext;
    if (!ReadFile(a.filters, &ftext)) return Fail(fmt::format("{}: cannot read", a.filters));
    std::optional<std::string> alarms;
    if (!a.alarms.empty()) {
      if (!ReadFile(a.alarms, &atext)) return Fail(fmt::format("{}: cannot read", a.alarms));
      alarms = std::move(atext);
    }
    auto p = replay::PlanFromDescribe(ftext, a.filters, alarms, a.alarms, a.log_group);
    if (!p.ok()) return Fail(p.status().message());
    plan = std::move(*p);
  }
  for (size_t i = 0; i < a.patterns.size(); ++i) {
    AlarmSpec spec;
    auto st = replay::ParseStatistic(a.statistic);
    if (!st.ok()) return Fail("--statistic: " + st.status().message());
    auto cmp = replay::ParseComparison(a.comparison);
    if (!cmp.ok()) return Fail("--comparison: " + cmp.status().message());
    auto md = replay::ParseMissingData(a.treat_missing);
    if (!md.ok()) return Fail("--treat-missing-data: " + md.status().message());
    spec.statistic = *st;
    spec.comparison = *cmp;
    spec.treat_missing_data = *md;
    spec.period_seconds = a.period;
    spec.evaluation_periods = a.evaluation_periods;
    spec.datapoints_to_alarm = a.datapoints_to_alarm ? a.datapoints_to_alarm : a.evaluation_periods;
    spec.threshold = a.threshold;
    std::string name = a.patterns.size() == 1 ? "pattern" : fmt::format("pattern-{}", i + 1);
    Status s = replay::AddAdHocPattern(plan, a.patterns[i], name, spec);
    if (!s.ok()) return Fail(s.message());
  }
  if (plan.filters.empty()) {
    for (const std::string& n : plan.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
    return Fail("no metric filter to replay through");
  }

  // The inputs.
  std::vector<std::string> paths = a.paths;
  if (paths.empty()) {
    if (isatty(0)) {
      return Fail("give CloudTrail log files or directories to replay, or - for standard input");
    }
    paths.push_back("-");
  }
  auto inputs = replay::ListInputs(paths);
  if (!inputs.ok()) return Fail(inputs.status().message());
  if (inputs->files.empty()) {
    return Fail(fmt::format("no CloudTrail log files (*.json, *.json.gz, *.jsonl, *.ndjson, "
                            "*.log, optionally gzipped) under {}",
                            paths[0]));
  }

  ro.threads = a.threads;
  ro.readers = a.readers;
  ro.max_events_per_period = a.max_events_per_period;
  ro.read.max_event_bytes = a.max_event_bytes;
  ro.eval.extra_range = a.extra_range;
  bool show_progress = a.progress == "always" || (a.progress == "auto" && isatty(2));
  if (show_progress) ro.progress = DrawProgress;
  auto result = replay::Replay(plan, *inputs, ro);
  if (show_progress) std::fprintf(stderr, "\r\x1b[K");
  if (!result.ok()) return Fail(result.status().message());
  const replay::ReplaySummary& s = result->summary;
  for (const replay::FileProblem& p : s.problems) {
    std::fprintf(stderr, "warning: %s: %s; %s\n", p.path.c_str(), p.message.c_str(),
                 p.partial ? "the events before it were replayed" : "file skipped");
  }
  if (a.stats) {
    double secs = s.seconds > 0 ? s.seconds : 1e-9;
    std::fprintf(stderr,
                 "stats: %llu events, %llu bytes read in %.3f s: %.1f MB/s, %.0f events/s "
                 "(%zu workers, %zu readers)\n",
                 static_cast<unsigned long long>(s.events),
                 static_cast<unsigned long long>(s.bytes), s.seconds, s.bytes / secs / 1e6,
                 s.events / secs, s.threads, s.readers);
  }

  std::string text;
  if (a.format == "json") {
    text = replay::RenderJson(plan, *inputs, *result);
  } else {
    replay::RenderOptions rend;
    rend.color = a.output.empty() && isatty(1);
    text = replay::RenderTable(plan, *inputs, *result, rend);
  }
  if (a.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    Status st = WriteFileAtomic(a.output, text);
    if (!st.ok()) return Fail(st.message());
  }
  if (s.files > 0 && s.problems.size() == s.files && s.events == 0) {
    std::fprintf(stderr, "error: no input file could be read\n");
    return kExitInvalid;
  }
  return replay::AnyAlarmFired(*result) ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterReplay(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "replay", "replay CloudTrail history through an account's metric filters and alarms");
  auto a = std::make_shared<ReplayArgs>();
  cmd->add_option("PATH", a->paths,
                  "CloudTrail log files or directories (S3 layout), NDJSON files, or - for "
                  "standard input (the default when it is not a terminal)");
  cmd->add_option("--inventory,-i", a->inventory, "an inventory file (docs/inventory.md)");
  cmd->add_flag("--demo", a->demo, "the bundled demo account's filters and alarms");
  cmd->add_option("--trail", a->trails, "replay through this trail's log group only (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--filters", a->filters, "the output of `aws logs describe-metric-filters`");
  cmd->add_option("--alarms", a->alarms, "the output of `aws cloudwatch describe-alarms`");
  cmd->add_option("--log-group", a->log_group, "with --filters: only this log group's filters");
  cmd->add_option("--pattern", a->patterns,
                  "an ad hoc filter pattern (repeatable), with an alarm set by the options below")
      ->allow_extra_args(false);
  cmd->add_option("--statistic", a->statistic, "ad hoc alarm statistic")->capture_default_str();
  cmd->add_option("--period", a->period, "ad hoc alarm period in seconds")->capture_default_str();
  cmd->add_option("--threshold", a->threshold, "ad hoc alarm threshold")->capture_default_str();
  cmd->add_option("--comparison", a->comparison, "ad hoc alarm comparison operator")
      ->capture_default_str();
  cmd->add_option("--evaluation-periods", a->evaluation_periods, "ad hoc alarm N")
      ->capture_default_str();
  cmd->add_option("--datapoints-to-alarm", a->datapoints_to_alarm,
                  "ad hoc alarm M (default: N)");
  cmd->add_option("--treat-missing-data", a->treat_missing, "ad hoc alarm missing data")
      ->capture_default_str();
  cmd->add_option("--from", a->from, "replay events at or after this UTC time (ISO-8601)");
  cmd->add_option("--to", a->to, "replay events before this UTC time (ISO-8601)");
  cmd->add_option("--format", a->format, "table or json")->capture_default_str();
  cmd->add_option("--output,-o", a->output, "write the report to FILE (atomically)");
  cmd->add_option("--threads", a->threads, "matching threads (default: one per CPU)");
  cmd->add_option("--readers", a->readers, "reading threads (default: half the matching threads)");
  cmd->add_option("--max-events-per-period", a->max_events_per_period,
                  "contributing events listed per alarm period")
      ->capture_default_str();
  cmd->add_option("--max-event-bytes", a->max_event_bytes,
                  "longer events are counted and not matched")
      ->capture_default_str();
  cmd->add_option("--evaluation-range-extra", a->extra_range,
                  "periods retrieved beyond evaluationPeriods when data is missing")
      ->capture_default_str();
  cmd->add_option("--progress", a->progress, "auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_flag("--stats", a->stats, "print throughput to standard error");
  cmd->footer("Exit codes: 0 no alarm went to ALARM; 1 some alarm went to ALARM; 2 usage or "
              "input error (including no readable input). Files that cannot be read in full are "
              "reported on standard error and in the report, and the replay goes on.");
  cmd->callback([=] { *exit_code = RunReplay(*a); });
}

}  // namespace vigil::cli
