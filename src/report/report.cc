#include "report/report.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "gsl/functions.h"

namespace vigil::report {

namespace {

using gsl::Status;
using rules::Finding;

// Escapes markup characters. XML 1.0 also forbids most control characters: they become spaces.
std::string Escape(std::string_view s, bool xml) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += xml ? "&apos;" : "&#39;"; break;
      default:
        if (xml && static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Xml(std::string_view s) { return Escape(s, true); }
std::string Html(std::string_view s) { return Escape(s, false); }

std::string Csv(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string EvidenceText(const gsl::Result& r) {
  std::string out;
  for (const auto& e : r.evidence) {
    if (!out.empty()) out += " | ";
    out += e.path.empty() ? e.expr : e.path + " = " + e.value;
    if (!e.note.empty()) out += " (" + e.note + ")";
  }
  return out;
}

void Frameworks(std::string& out, const rules::Rule& r) {
  out += "[";
  for (size_t i = 0; i < r.frameworks.size(); ++i) {
    if (i) out += ", ";
    out += "{\"framework\": ";
    AppendJsonString(out, r.frameworks[i].framework);
    out += ", \"control\": ";
    AppendJsonString(out, r.frameworks[i].control);
    out += "}";
  }
  out += "]";
}

std::string RenderJson(const rules::ScanResult& scan, const RenderOptions& o) {
  std::string out = "{\n  \"tool\": {\"name\": \"vigil\", \"version\": ";
  AppendJsonString(out, o.tool_version);
  out += "},\n  \"schemaVersion\": 1,\n  \"account\": {\"id\": ";
  AppendJsonString(out, scan.account_id);
  out += ", \"name\": ";
  AppendJsonString(out, scan.account_name);
  out += "},\n  \"scanTime\": ";
  AppendJsonString(out, gsl::FormatTime(scan.time));
  out += ",\n  \"findings\": [";
  for (size_t i = 0; i < scan.findings.size(); ++i) {
    const Finding& f = scan.findings[i];
    out += i ? ",\n    " : "\n    ";
    out += "{\"ruleId\": ";
    AppendJsonString(out, f.rule->id());
    out += ", \"ruleName\": ";
    AppendJsonString(out, f.rule->name);
    out += ", \"severity\": ";
    AppendJsonString(out, rules::SeverityName(f.rule->severity));
    out += ", \"ruleset\": ";
    AppendJsonString(out, f.ruleset->name);
    out += ", \"entityType\": ";
    AppendJsonString(out, f.result.entity_type);
    out += ", \"entityId\": ";
    AppendJsonString(out, f.result.entity_id);
    out += ", \"entityName\": ";
    AppendJsonString(out, f.result.entity_name);
    out += ", \"status\": ";
    AppendJsonString(out, gsl::StatusName(f.result.status));
    if (f.result.status == Status::kExcluded) {
      out += ", \"underlyingStatus\": ";
      AppendJsonString(out, gsl::StatusName(f.underlying));
      out += ", \"exclusion\": ";
      AppendJsonString(out, f.exclusion);
    }
    out += ", \"evidence\": ";
    gsl::AppendEvidenceJson(out, f.result.evidence);
    out += ", \"message\": ";
    AppendJsonString(out, f.result.message);
    out += ", \"remediation\": ";
    AppendJsonString(out, f.rule->remediation);
    out += ", \"frameworks\": ";
    Frameworks(out, *f.rule);
    out += "}";
  }
  out += "\n  ],\n  \"brokenRules\": [";
  for (size_t i = 0; i < scan.broken.size(); ++i) {
    if (i) out += ", ";
    out += "{\"ruleId\": ";
    AppendJsonString(out, scan.broken[i].rule->id());
    out += ", \"ruleName\": ";
    AppendJsonString(out, scan.broken[i].rule->name);
    out += ", \"diagnostic\": ";
    AppendJsonString(out, scan.broken[i].diagnostic);
    out += "}";
  }
  out += fmt::format(
      "],\n  \"summary\": {{\"rules\": {}, \"passed\": {}, \"failed\": {}, \"skipped\": {}, "
      "\"excluded\": {}, \"error\": {}, \"no-data\": {}, \"brokenRules\": {}}}\n}}\n",
      scan.rules_evaluated, scan.Count(Status::kPassed), scan.Count(Status::kFailed),
      scan.Count(Status::kSkipped), scan.Count(Status::kExcluded), scan.Count(Status::kError),
      scan.Count(Status::kNoData), scan.broken.size());
  return out;
}

std::string RenderCsv(const rules::ScanResult& scan) {
  std::string out =
      "ruleId,ruleName,severity,ruleset,entityType,entityId,entityName,status,message,evidence\n";
  for (const Finding& f : scan.findings) {
    out += Csv(f.rule->id()) + "," + Csv(f.rule->name) + "," +
           rules::SeverityName(f.rule->severity) + "," + Csv(f.ruleset->name) + "," +
           Csv(f.result.entity_type) + "," + Csv(f.result.entity_id) + "," +
           Csv(f.result.entity_name) + "," + gsl::StatusName(f.result.status) + "," +
           Csv(f.result.message) + "," + Csv(EvidenceText(f.result)) + "\n";
  }
  return out;
}

std::string RenderJunit(const rules::ScanResult& scan) {
  std::map<std::string, std::vector<const Finding*>> by_ruleset;
  for (const Finding& f : scan.findings) by_ruleset[f.ruleset->name].push_back(&f);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"vigil\">\n";
  for (const auto& [name, list] : by_ruleset) {
    size_t failures = 0, errors = 0, skipped = 0;
    for (const Finding* f : list) {
      failures += f->result.status == Status::kFailed;
      errors += f->result.status == Status::kError;
      skipped += f->result.status == Status::kSkipped || f->result.status == Status::kExcluded ||
                 f->result.status == Status::kNoData;
    }
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
                       "skipped=\"{}\">\n",
                       Xml(name), list.size(), failures, errors, skipped);
    for (const Finding* f : list) {
      out += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", Xml(f->rule->id()),
                         Xml(f->result.entity_type + " " + std::string(f->result.entity_id)));
      std::string detail = Xml(f->result.message + "\n" + EvidenceText(f->result));
      switch (f->result.status) {
        case Status::kFailed:
          out += fmt::format("\n      <failure message=\"{}\">{}</failure>\n    ",
                             Xml(f->rule->name), detail);
          break;
        case Status::kError:
          out += fmt::format("\n      <error message=\"{}\">{}</error>\n    ", Xml(f->rule->name),
                             detail);
          break;
        case Status::kSkipped:
        case Status::kExcluded:
        case Status::kNoData:
          out += fmt::format("\n      <skipped message=\"{}: {}\"/>\n    ",
                             gsl::StatusName(f->result.status), Xml(f->result.message));
          break;
        case Status::kPassed:
          break;
      }
      out += "</testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

const char* SarifLevel(rules::Severity s) {
  switch (s) {
    case rules::Severity::kCritical:
    case rules::Severity::kHigh: return "error";
    case rules::Severity::kMedium: return "warning";
    default: return "note";
  }
}

std::string RenderSarif(const rules::ScanResult& scan, const RenderOptions& o) {
  std::string out =
      "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": "
      "\"2.1.0\",\n  \"runs\": [{\n    \"tool\": {\"driver\": {\"name\": \"vigil\", "
      "\"informationUri\": \"https://github.com/vigil-compliance/vigil\", \"version\": ";
  AppendJsonString(out, o.tool_version);
  out += ", \"rules\": [";
  std::vector<const rules::Rule*> rules;
  std::map<const rules::Rule*, size_t> index;
  for (const Finding& f : scan.findings) {
    if (!index.count(f.rule)) {
      index[f.rule] = rules.size();
      rules.push_back(f.rule);
    }
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    const rules::Rule* r = rules[i];
    out += i ? ",\n      " : "\n      ";
    out += "{\"id\": ";
    AppendJsonString(out, r->id());
    out += ", \"name\": ";
    std::string pascal;
    for (char c : r->name) {
      if (std::isalnum(static_cast<unsigned char>(c))) pascal += c;
    }
    AppendJsonString(out, pascal.empty() ? std::string("Rule") : pascal);
    out += ", \"shortDescription\": {\"text\": ";
    AppendJsonString(out, r->name);
    out += "}, \"fullDescription\": {\"text\": ";
    AppendJsonString(out, r->description.empty() ? r->name : r->description);
    out += "}, \"help\": {\"text\": ";
    AppendJsonString(out, r->remediation.empty() ? r->name : r->remediation);
    out += "}, \"defaultConfiguration\": {\"level\": \"";
    out += SarifLevel(r->severity);
    out += "\"}, \"properties\": {\"severity\": \"";
    out += rules::SeverityName(r->severity);
    out += "\", \"logic\": ";
    AppendJsonString(out, r->logic);
    out += "}}";
  }
  out += "\n    ]}},\n    \"results\": [";
  bool first = true;
  for (const Finding& f : scan.findings) {
    Status s = f.result.status;
    if (s == Status::kPassed || s == Status::kSkipped) continue;
    out += first ? "\n      " : ",\n      ";
    first = false;
    out += "{\"ruleId\": ";
    AppendJsonString(out, f.rule->id());
    out += fmt::format(", \"ruleIndex\": {}, \"level\": \"{}\"", index[f.rule],
                       s == Status::kFailed ? SarifLevel(f.rule->severity) : "none");
    out += ", \"kind\": \"";
    out += s == Status::kFailed ? "fail" : s == Status::kError ? "notApplicable" : "review";
    out += "\", \"message\": {\"text\": ";
    AppendJsonString(out, std::string(gsl::StatusName(s)) + ": " + f.rule->name + " — " +
                              f.result.entity_type + " " + std::string(f.result.entity_id) +
                              (f.result.message.empty() ? "" : ". " + f.result.message));
    out += "}, \"locations\": [{\"logicalLocations\": [{\"fullyQualifiedName\": ";
    AppendJsonString(out, f.result.entity_id);
    out += ", \"kind\": \"resource\"}]}]";
    if (s == Status::kExcluded) {
      out += ", \"suppressions\": [{\"kind\": \"external\", \"justification\": ";
      AppendJsonString(out, f.exclusion);
      out += "}]";
    }
    out += ", \"properties\": {\"entityType\": ";
    AppendJsonString(out, f.result.entity_type);
    out += ", \"status\": ";
    AppendJsonString(out, gsl::StatusName(s));
    out += ", \"evidence\": ";
    AppendJsonString(out, EvidenceText(f.result));
    out += "}}";
  }
  out += "\n    ]\n  }]\n}\n";
  return out;
}

std::string RenderTable(const rules::ScanResult& scan, const RenderOptions& o) {
  auto paint = [&](const std::string& text, const char* code) {
    return o.color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
  };
  auto status_cell = [&](Status s) {
    std::string name = gsl::StatusName(s);
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    name.resize(8, ' ');
    const char* code = s == Status::kPassed   ? "32"
                       : s == Status::kFailed ? "31;1"
                       : s == Status::kError  ? "35"
                       : s == Status::kNoData ? "33"
                                              : "90";
    return paint(name, code);
  };
  std::string out;
  const rules::Rule* current = nullptr;
  std::vector<const Finding*> group;
  auto flush = [&] {
    if (!current) return;
    size_t failed = 0, passed = 0, other = 0;
    for (const Finding* f : group) {
      failed += f->result.status == Status::kFailed;
      passed += f->result.status == Status::kPassed;
      other += f->result.status != Status::kFailed && f->result.status != Status::kPassed;
    }
    Status overall = failed            ? Status::kFailed
                     : other && !passed ? group.front()->result.status
                                        : Status::kPassed;
    out += fmt::format("{} {} [{}] {}\n", status_cell(overall), paint(current->id(), "1"),
                       rules::SeverityName(current->severity), current->name);
    for (const Finding* f : group) {
      Status s = f->result.status;
      if (s == Status::kPassed && !o.verbose) continue;
      if (s == Status::kSkipped && !o.verbose) continue;
      out += fmt::format("    {} {} {}\n", status_cell(s), f->result.entity_type,
                         f->result.entity_id);
      for (const auto& e : f->result.evidence) {
        if (!e.path.empty()) out += "        at " + e.path + " = " + e.value + "\n";
        if (!e.note.empty()) out += "        " + e.note + "\n";
      }
      if (s == Status::kExcluded) out += "        excluded: " + f->exclusion + "\n";
      if (s == Status::kNoData || s == Status::kError) out += "        " + f->result.message + "\n";
    }
    if (failed && !current->remediation.empty()) {
      std::string first_line = current->remediation.substr(0, current->remediation.find('\n'));
      out += "    fix: " + first_line + "\n";
    }
    group.clear();
  };
  for (const Finding& f : scan.findings) {
    if (f.rule != current) {
      flush();
      current = f.rule;
    }
    group.push_back(&f);
  }
  flush();
  for (const auto& b : scan.broken) out += paint("BROKEN  ", "35") + " " + b.diagnostic;
  // Summary by severity and by framework.
  std::map<rules::Severity, std::pair<size_t, size_t>> sev;  // failed, total
  std::map<std::string, std::pair<size_t, size_t>> fw;
  std::set<std::pair<const rules::Rule*, std::string>> counted;
  for (const Finding& f : scan.findings) {
    bool failed = f.result.status == Status::kFailed;
    sev[f.rule->severity].first += failed;
    sev[f.rule->severity].second += 1;
    for (const auto& x : f.rule->frameworks) {
      fw[x.framework].first += failed;
      fw[x.framework].second += 1;
    }
  }
  out += "\nBy severity (failed / findings):";
  for (auto it = sev.rbegin(); it != sev.rend(); ++it) {
    out += fmt::format("  {} {}/{}", rules::SeverityName(it->first), it->second.first,
                       it->second.second);
  }
  out += "\n";
  if (!fw.empty()) {
    out += "By framework (failed / findings):\n";
    for (const auto& [name, c] : fw) out += fmt::format("  {:<50} {}/{}\n", name, c.first, c.second);
  }
  out += fmt::format(
      "\n{} rules on account {}: {} passed, {} failed, {} skipped, {} excluded, {} error, {} "
      "no-data{}\n",
      scan.rules_evaluated, scan.account_id, scan.Count(Status::kPassed),
      scan.Count(Status::kFailed), scan.Count(Status::kSkipped), scan.Count(Status::kExcluded),
      scan.Count(Status::kError), scan.Count(Status::kNoData),
      scan.broken.empty() ? "" : fmt::format(", {} broken rules", scan.broken.size()));
  return out;
}


// One self-contained page: no network assets, no script; findings grouped by rule in <details>.
std::string RenderHtml(const rules::ScanResult& scan, const RenderOptions& o) {
  std::string out = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil scan of )" + Html(scan.account_id) + R"(</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#1d2330;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em} .sub{color:#5b6475;margin-top:0}
table{border-collapse:collapse;margin:1em 0} th,td{padding:.3em .8em;border-bottom:1px solid #e3e6ec;text-align:left;vertical-align:top}
th{background:#f4f6f9} .num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:5.5em;text-align:center;border-radius:3px;padding:0 .4em;font-weight:600;font-size:.85em}
.passed{background:#dff3e4;color:#14592b} .failed{background:#fbe0e0;color:#8a1c1c} .no-data{background:#fff2cc;color:#6b5200}
.error{background:#f0dcf5;color:#5b1870} .excluded,.skipped{background:#eceff3;color:#4a5262}
details{border:1px solid #e3e6ec;border-radius:4px;margin:.6em 0;padding:.4em .8em} summary{cursor:pointer;font-weight:600}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em} pre{white-space:pre-wrap;background:#f7f8fa;padding:.6em;border-radius:4px}
.ev{margin:.2em 0 .2em 1.5em;color:#333} .sev{color:#5b6475;font-weight:400}
</style></head><body>
)";
  out += "<h1>vigil scan</h1>\n<p class=\"sub\">Account <code>" + Html(scan.account_id) + "</code>" +
         (scan.account_name.empty() ? "" : " (" + Html(scan.account_name) + ")") + " &middot; " +
         Html(gsl::FormatTime(scan.time)) + " &middot; vigil " + Html(o.tool_version) + "</p>\n";
  out += fmt::format(
      "<table id=\"summary\"><tr><th>rules</th><th>passed</th><th>failed</th><th>no-data</th>"
      "<th>error</th><th>excluded</th><th>skipped</th><th>broken rules</th></tr><tr>"
      "<td class=\"num\">{}</td><td class=\"num\" data-status=\"passed\">{}</td>"
      "<td class=\"num\" data-status=\"failed\">{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td></tr></table>\n",
      scan.rules_evaluated, scan.Count(Status::kPassed), scan.Count(Status::kFailed),
      scan.Count(Status::kNoData), scan.Count(Status::kError), scan.Count(Status::kExcluded),
      scan.Count(Status::kSkipped), scan.broken.size());
  std::map<rules::Severity, std::pair<size_t, size_t>> sev;
  std::map<std::string, std::pair<size_t, size_t>> fw;
  for (const Finding& f : scan.findings) {
    bool failed = f.result.status == Status::kFailed;
    sev[f.rule->severity].first += failed;
    ++sev[f.rule->severity].second;
    for (const auto& x : f.rule->frameworks) {
      fw[x.framework].first += failed;
      ++fw[x.framework].second;
    }
  }
  out += "<h2>By severity</h2>\n<table id=\"by-severity\"><tr><th>severity</th><th>failed</th>"
         "<th>findings</th></tr>\n";
  for (auto it = sev.rbegin(); it != sev.rend(); ++it) {
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                       rules::SeverityName(it->first), it->second.first, it->second.second);
  }
  out += "</table>\n<h2>By framework</h2>\n<table id=\"by-framework\"><tr><th>framework</th>"
         "<th>failed</th><th>findings</th></tr>\n";
  for (const auto& [name, c] : fw) {
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                       Html(name), c.first, c.second);
  }
  out += "</table>\n<h2>Findings</h2>\n";
  const rules::Rule* current = nullptr;
  for (size_t i = 0; i < scan.findings.size(); ++i) {
    const Finding& f = scan.findings[i];
    if (f.rule != current) {
      if (current) out += "</details>\n";
      current = f.rule;
      size_t failed = 0;
      for (size_t k = i; k < scan.findings.size() && scan.findings[k].rule == current; ++k) {
        failed += scan.findings[k].result.status == Status::kFailed;
      }
      out += fmt::format("<details class=\"rule\" data-rule=\"{}\"{}><summary>{} {} "
                         "<span class=\"sev\">[{}]</span></summary>\n",
                         Html(current->id()), failed ? " open" : "", Html(current->id()),
                         Html(current->name), rules::SeverityName(current->severity));
      if (!current->description.empty()) out += "<p>" + Html(current->description) + "</p>\n";
      out += "<p><b>Logic</b></p><pre>" + Html(current->logic) + "</pre>\n";
      if (!current->remediation.empty()) {
        out += "<p><b>Remediation</b></p><pre>" + Html(current->remediation) + "</pre>\n";
      }
    }
    const char* st = gsl::StatusName(f.result.status);
    out += fmt::format("<div class=\"finding\" data-status=\"{}\"><span class=\"badge {}\">{}</span> "
                       "{} <code>{}</code>",
                       st, st, st, Html(f.result.entity_type), Html(f.result.entity_id));
    if (!f.result.message.empty() && f.result.status != Status::kPassed) {
      out += "<div class=\"ev\">" + Html(f.result.message) + "</div>";
    }
    for (const auto& e : f.result.evidence) {
      out += "<div class=\"ev\">";
      if (!e.path.empty()) out += "at <code>" + Html(e.path) + "</code> = <code>" + Html(e.value) + "</code>";
      if (!e.note.empty()) out += "<br>" + Html(e.note);
      out += "</div>";
    }
    if (f.result.status == Status::kExcluded) {
      out += "<div class=\"ev\">excluded: " + Html(f.exclusion) + "</div>";
    }
    out += "</div>\n";
  }
  if (current) out += "</details>\n";
  if (!scan.broken.empty()) {
    out += "<h2>Broken rules</h2>\n";
    for (const auto& b : scan.broken) out += "<pre class=\"broken\">" + Html(b.diagnostic) + "</pre>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace

bool ParseFormat(const std::string& name, Format* out) {
  if (name == "table") *out = Format::kTable;
  else if (name == "json") *out = Format::kJson;
  else if (name == "csv") *out = Format::kCsv;
  else if (name == "junit") *out = Format::kJunit;
  else if (name == "sarif") *out = Format::kSarif;
  else if (name == "html") *out = Format::kHtml;
  else return false;
  return true;
}

std::string Render(const rules::ScanResult& scan, Format format, const RenderOptions& options) {
  switch (format) {
    case Format::kTable: return RenderTable(scan, options);
    case Format::kJson: return RenderJson(scan, options);
    case Format::kCsv: return RenderCsv(scan);
    case Format::kJunit: return RenderJunit(scan);
    case Format::kSarif: return RenderSarif(scan, options);
    case Format::kHtml: return RenderHtml(scan, options);
  }
  return "";
}

}  // namespace vigil::report
