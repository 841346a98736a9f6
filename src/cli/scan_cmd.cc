// vigil scan | vigil rules list | vigil rules show
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/file_util.h"
#include "cli/commands.h"
#include "cli/live.h"
#include "gsl/functions.h"
#include "gsl/inventory.h"
#include "history/history.h"
#include "report/report.h"
#include "rules/embedded.h"
#include "rules/ruleset.h"
#include "rules/scan.h"

namespace vigil::cli {

namespace {

const char* kDefaultRulesets[] = {"cloudguard-aws-cis-monitoring", "vigil-aws-cis"};

struct ScanArgs {
  std::string inventory;
  bool demo = false;
  std::vector<std::string> rulesets, rule_ids;
  std::string framework, min_severity = "informational", format = "table", output;
  std::string fail_on = "low", exclusions, now, history_db;
  bool verbose = false, no_history = false;
  int jobs = 0;
  bool live = false;
  LiveOptions live_options;
  std::string save_inventory;
};

bool LoadRulesets(const std::vector<std::string>& names, std::vector<rules::Ruleset>* out) {
  std::vector<std::string> list = names;
  if (list.empty()) list.assign(std::begin(kDefaultRulesets), std::end(kDefaultRulesets));
  for (const std::string& n : list) {
    auto rs = rules::LoadRuleset(n);
    if (!rs.ok()) {
      std::fprintf(stderr, "error: %s\n", rs.status().message().c_str());
      return false;
    }
    out->push_back(std::move(*rs));
  }
  return true;
}

int RunScan(const ScanArgs& a) {
  if (int(a.demo) + int(!a.inventory.empty()) + int(a.live) != 1) {
    std::fprintf(stderr, "error: give one of --inventory FILE, --live (collect the account now) "
                         "or --demo\n");
    return kExitInvalid;
  }
  report::Format format;
  if (!report::ParseFormat(a.format, &format)) {
    std::fprintf(stderr, "error: --format: expected table, json, csv, junit, sarif or html\n");
    return kExitInvalid;
  }
  rules::ScanOptions so;
  if (!rules::ParseSeverity(a.min_severity, &so.min_severity)) {
    std::fprintf(stderr, "error: --min-severity: expected informational, low, medium, high or "
                         "critical\n");
    return kExitInvalid;
  }
  rules::Severity fail_on;
  if (!rules::ParseSeverity(a.fail_on, &fail_on)) {
    std::fprintf(stderr, "error: --fail-on: expected informational, low, medium, high or "
                         "critical\n");
    return kExitInvalid;
  }
  so.rule_ids = a.rule_ids;
  so.framework = a.framework;
  so.jobs = a.jobs;
  if (!a.now.empty()) {
    auto t = gsl::ParseTime(a.now);
    if (!t) {
      std::fprintf(stderr, "error: --now: expected an ISO-8601 time\n");
      return kExitInvalid;
    }
    so.eval.now = *t;
  }
  if (!a.exclusions.empty()) {
    auto ex = rules::LoadExclusions(a.exclusions);
    if (!ex.ok()) {
      std::fprintf(stderr, "error: %s\n", ex.status().message().c_str());
      return kExitInvalid;
    }
    so.exclusions = std::move(*ex);
  }
  std::vector<rules::Ruleset> rulesets;
  if (!LoadRulesets(a.rulesets, &rulesets)) return kExitInvalid;
  std::unique_ptr<gsl::Inventory> inv;
  int collect_rc = kExitOk;
  if (a.demo) {
    const embedded::File* f = embedded::Find("account.json");
    if (!f) {
      std::fprintf(stderr, "error: this build has no demo account\n");
      return kExitInvalid;
    }
    auto r = gsl::Inventory::FromText(std::string(f->text()), "demo account");
    if (!r.ok()) {
      std::fprintf(stderr, "error: %s\n", r.status().message().c_str());
      return kExitInvalid;
    }
    inv = std::move(*r);
  } else if (a.live) {
    std::unique_ptr<AwsSession> session = OpenSession(a.live_options);
    if (!session) return kExitInvalid;
    Json collected;
    collect_rc = CollectLive(a.live_options, *session, &collected);
    if (collected.is_null()) return collect_rc;
    std::string text = collected.Dump(1) + "\n";
    if (!a.save_inventory.empty()) {
      Status st = WriteFileAtomic(a.save_inventory, text);
      if (!st.ok()) std::fprintf(stderr, "warning: %s\n", st.message().c_str());
    }
    auto r = gsl::Inventory::FromText(std::move(text), "the collected inventory");
    if (!r.ok()) {
      std::fprintf(stderr, "error: %s\n", r.status().message().c_str());
      return kExitInvalid;
    }
    inv = std::move(*r);
  } else {
    auto r = gsl::Inventory::Load(a.inventory);
    if (!r.ok()) {
      std::fprintf(stderr, "error: %s\n", r.status().message().c_str());
      return kExitInvalid;
    }
    inv = std::move(*r);
  }
  rules::ScanResult scan = rules::Scan(rulesets, *inv, so);
  report::RenderOptions ro;
  ro.color = a.output.empty() && format == report::Format::kTable && isatty(1);
  ro.verbose = a.verbose;
  std::string text = report::Render(scan, format, ro);
  if (a.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    Status st = WriteFileAtomic(a.output, text);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.message().c_str());
      return kExitInvalid;
    }
  }
  if (format != report::Format::kTable || !a.output.empty()) {
    for (const auto& b : scan.broken) std::fputs(b.diagnostic.c_str(), stderr);
  }
  if (!a.no_history) {
    std::string db = a.history_db.empty() ? history::DefaultPath() : a.history_db;
    auto id = history::Record(db, scan);
    if (!id.ok()) {
      std::fprintf(stderr, "warning: the scan was not recorded in the history: %s\n",
                   id.status().message().c_str());
    }
  }
  bool failed = false, undetermined = !scan.broken.empty() || collect_rc != kExitOk;
  for (const auto& f : scan.findings) {
    if (f.result.status == gsl::Status::kFailed && f.rule->severity >= fail_on) failed = true;
    if (f.result.status == gsl::Status::kError) undetermined = true;
  }
  if (failed) return kExitFailed;
  return undetermined ? kExitUnknown : kExitOk;
}

int RunDiff(const std::string& account, const std::string& db_path, const std::string& format) {
  std::string db = db_path.empty() ? history::DefaultPath() : db_path;
  auto d = history::DiffLatest(db, account);
  if (!d.ok()) {
    std::fprintf(stderr, "error: %s\n", d.status().message().c_str());
    return kExitInvalid;
  }
  auto section = [](std::string& out, const char* title, const std::vector<history::Change>& v,
                    bool resources) {
    out += fmt::format("{} ({}):\n", title, v.size());
    for (const auto& c : v) {
      if (resources) {
        out += fmt::format("  {} {}\n", c.entity_type, c.entity_id);
      } else {
        out += fmt::format("  {} {} {}: {} -> {}\n", c.rule_id, c.entity_type, c.entity_id,
                           c.before.empty() ? "new" : c.before, c.after);
      }
    }
  };
  std::string out;
  if (format == "json") {
    auto list = [](const std::vector<history::Change>& v) {
      std::string o = "[";
      for (size_t i = 0; i < v.size(); ++i) {
        o += fmt::format("{}{{\"ruleId\": \"{}\", \"entityType\": \"{}\", \"entityId\": \"{}\", "
                         "\"before\": \"{}\", \"after\": \"{}\"}}",
                         i ? ", " : "", v[i].rule_id, v[i].entity_type, v[i].entity_id,
                         v[i].before, v[i].after);
      }
      return o + "]";
    };
    out = fmt::format("{{\"account\": \"{}\", \"from\": \"{}\", \"to\": \"{}\", \"newFailures\": {}, "
                      "\"fixed\": {}, \"newResources\": {}, \"removedResources\": {}}}\n",
                      d->account_id, d->from_time, d->to_time, list(d->new_failures),
                      list(d->fixed), list(d->new_resources), list(d->removed_resources));
  } else {
    out = fmt::format("account {}: scan of {} compared with the scan of {}\n", d->account_id,
                      d->to_time, d->from_time);
    section(out, "new failures", d->new_failures, false);
    section(out, "fixed", d->fixed, false);
    section(out, "new resources", d->new_resources, true);
    section(out, "removed resources", d->removed_resources, true);
    if (!d->other.empty()) section(out, "other changes", d->other, false);
  }
  std::fputs(out.c_str(), stdout);
  return d->new_failures.empty() ? kExitOk : kExitFailed;
}

int RunRulesList(const std::vector<std::string>& names, const std::string& framework) {
  std::vector<rules::Ruleset> rulesets;
  std::vector<std::string> list = names;
  if (list.empty()) list = rules::BundledRulesetNames();
  if (!LoadRulesets(list, &rulesets)) return kExitInvalid;
  for (const auto& rs : rulesets) {
    std::printf("%s (%s): %s\n", rs.name.c_str(), rs.source.c_str(), rs.description.c_str());
    for (const auto& r : rs.rules) {
      bool match = framework.empty();
      for (const auto& f : r.frameworks) {
        match |= f.framework.find(framework) != std::string::npos;
      }
      if (!match) continue;
      std::printf("  %-24s %-13s %s\n", r.id().c_str(), rules::SeverityName(r.severity),
                  r.name.c_str());
    }
  }
  return kExitOk;
}

int RunRulesShow(const std::string& id) {
  for (const auto& n : rules::BundledRulesetNames()) {
    auto rs = rules::LoadRuleset(n);
    if (!rs.ok()) continue;
    for (const auto& r : rs->rules) {
      if (r.rule_id != id && r.logic_hash != id) continue;
      std::printf("%s\n%s\n\nRule ID: %s\nRuleset: %s\nSeverity: %s\nCategory: %s\n\nGSL LOGIC\n"
                  "%s\n\nREMEDIATION\n%s\n\nFRAMEWORKS\n",
                  r.name.c_str(), r.description.c_str(), r.id().c_str(), rs->name.c_str(),
                  rules::SeverityName(r.severity), r.category.c_str(), r.logic.c_str(),
                  r.remediation.c_str());
      for (const auto& f : r.frameworks) {
        std::printf("- %s%s\n", f.framework.c_str(),
                    f.control.empty() ? "" : (" (" + f.control + ")").c_str());
      }
      return kExitOk;
    }
  }
  std::fprintf(stderr, "error: no bundled rule with id '%s'; see vigil rules list\n", id.c_str());
  return kExitInvalid;
}

}  // namespace

void RegisterScan(CLI::App& app, int* exit_code) {
  CLI::App* scan = app.add_subcommand("scan", "run rulesets over an account and report findings");
  auto a = std::make_shared<ScanArgs>();
  scan->add_option("--inventory,-i", a->inventory, "an inventory file (docs/inventory.md)");
  scan->add_flag("--demo", a->demo, "scan the bundled demo account");
  scan->add_flag("--live", a->live, "collect the AWS account now (see vigil collect) and scan it");
  scan->add_option("--save-inventory", a->save_inventory,
                   "with --live: also write the collected inventory to FILE");
  AddLiveOptions(scan, &a->live_options);
  scan->add_option("--ruleset", a->rulesets,
                   "a bundled ruleset name or a CloudGuard ruleset file (repeatable; default: "
                   "cloudguard-aws-cis-monitoring and vigil-aws-cis)");
  scan->add_option("--rule", a->rule_ids, "only these rule ids (repeatable)");
  scan->add_option("--framework", a->framework, "only rules mapped to this framework");
  scan->add_option("--min-severity", a->min_severity, "skip rules below this severity");
  scan->add_option("--format", a->format, "table, json, csv, junit, sarif or html")
      ->capture_default_str();
  scan->add_option("--output,-o", a->output, "write the report to FILE (atomically)");
  scan->add_option("--fail-on", a->fail_on,
                   "exit 1 when a rule of at least this severity fails")
      ->capture_default_str();
  scan->add_option("--exclusions", a->exclusions, "CloudGuard exclusions (JSON)");
  scan->add_option("--now", a->now, "evaluate dates as of this ISO-8601 time");
  scan->add_option("--jobs,-j", a->jobs,
                   "threads evaluating rules (default: one per processor the scan may use)")
      ->check(CLI::Range(0, 1024));
  scan->add_flag("--verbose,-v", a->verbose, "list passed findings too");
  scan->add_flag("--no-history", a->no_history, "do not record the scan in the history");
  scan->add_option("--history-db", a->history_db,
                   "the history database (default: $VIGIL_HISTORY_DB, else "
                   "$XDG_DATA_HOME/vigil/history.db)");
  scan->footer("Exit codes: 0 nothing failed at or above --fail-on; 1 failures; 2 usage or input "
               "error; 3 evaluation errors, broken rules or an incomplete live collection left rules "
               "undetermined.");
  scan->callback([=] { *exit_code = RunScan(*a); });

  CLI::App* diff = app.add_subcommand(
      "diff", "what changed since the previous scan of the same account (from the history)");
  auto diff_account = std::make_shared<std::string>();
  auto diff_db = std::make_shared<std::string>();
  auto diff_format = std::make_shared<std::string>("text");
  diff->add_option("--account", *diff_account, "the account (default: the one scanned last)");
  diff->add_option("--history-db", *diff_db, "the history database");
  diff->add_option("--format", *diff_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  diff->footer("Exit codes: 0 no new failures; 1 new failures; 2 no history to compare.");
  diff->callback([=] { *exit_code = RunDiff(*diff_account, *diff_db, *diff_format); });

  CLI::App* rules_app = app.add_subcommand("rules", "bundled rules and rulesets");
  rules_app->require_subcommand(1);
  CLI::App* list = rules_app->add_subcommand("list", "list rules");
  auto names = std::make_shared<std::vector<std::string>>();
  auto fw = std::make_shared<std::string>();
  list->add_option("--ruleset", *names, "rulesets to list (default: all bundled)");
  list->add_option("--framework", *fw, "only rules mapped to this framework");
  list->callback([=] { *exit_code = RunRulesList(*names, *fw); });
  CLI::App* show = rules_app->add_subcommand("show", "show one rule");
  auto id = std::make_shared<std::string>();
  show->add_option("ID", *id, "rule id")->required();
  show->callback([=] { *exit_code = RunRulesShow(*id); });
}

}  // namespace vigil::cli
