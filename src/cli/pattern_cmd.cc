// vigil pattern check | test
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/line_reader.h"
#include "cli/commands.h"
#include "pattern/matcher.h"
#include "pattern/parser.h"
#include "pattern/printer.h"
#include "pattern/relation.h"

namespace vigil::cli {

namespace {

using pattern::MatchOptions;

struct PatternFlags {
  bool lenient_terms = false;
  std::string numbers = "typed";
  std::string terms = "substring";
  std::string arity = "absorb";
  bool json_from_brace = false;
  size_t max_json_depth = 256;
  bool no_prefilter = false;

  void Add(CLI::App* cmd) {
    cmd->add_flag("--lenient-terms", lenient_terms,
                  "accept '.', ':' and '-' in unquoted terms (AWS rejects them)");
    cmd->add_option("--numbers", numbers,
                    "typed: 400 matches only JSON numbers and \"400\" only strings; textual: "
                    "either matches both")
        ->check(CLI::IsMember({"typed", "textual"}))
        ->capture_default_str();
    cmd->add_option("--terms", terms,
                    "substring: a term matches anywhere; word-start: only at the start of a word")
        ->check(CLI::IsMember({"substring", "word-start"}))
        ->capture_default_str();
    cmd->add_option("--arity", arity,
                    "delimited patterns with more tokens than fields: absorb (the last field "
                    "takes the rest), exact (no match), ignore-extra")
        ->check(CLI::IsMember({"absorb", "exact", "ignore-extra"}))
        ->capture_default_str();
    cmd->add_flag("--json-from-brace", json_from_brace,
                  "read a JSON event from its first '{' when the whole line is not JSON");
    cmd->add_option("--max-json-depth", max_json_depth, "deepest JSON nesting read")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_flag("--no-prefilter", no_prefilter, "(for measurements) parse every JSON event");
  }

  pattern::ParseOptions Parse() const {
    pattern::ParseOptions o;
    o.lenient_terms = lenient_terms;
    return o;
  }

  MatchOptions Match() const {
    MatchOptions o;
    o.numbers = numbers == "textual" ? pattern::NumberPolicy::kTextual
                                     : pattern::NumberPolicy::kTyped;
    o.terms = terms == "word-start" ? MatchOptions::TermMatch::kWordStart
                                    : MatchOptions::TermMatch::kSubstring;
    o.arity = arity == "exact"          ? MatchOptions::Arity::kExact
              : arity == "ignore-extra" ? MatchOptions::Arity::kIgnoreExtra
                                        : MatchOptions::Arity::kLastFieldAbsorbs;
    o.json_from_first_brace = json_from_brace;
    o.max_json_depth = max_json_depth;
    o.prefilter = !no_prefilter;
    return o;
  }
};

// Parses a pattern given on the command line; prints diagnostics. nullopt when invalid.
std::optional<pattern::Pattern> ParseOrReport(const std::string& text,
                                              const pattern::ParseOptions& po,
                                              std::string_view where = "") {
  pattern::ParseResult r = pattern::Parse(text, po);
  for (const auto& w : r.warnings) {
    std::fputs(pattern::FormatDiagnostic(text, w, "warning").c_str(), stderr);
  }
  if (!r.ok()) {
    std::string msg = pattern::FormatDiagnostic(text, r.error);
    if (!where.empty()) msg = std::string(where) + ": " + msg;
    std::fputs(msg.c_str(), stderr);
    return std::nullopt;
  }
  return std::move(*r.pattern);
}

int RunCheck(const std::string& text, const PatternFlags& flags) {
  auto p = ParseOrReport(text, flags.Parse());
  if (!p) return kExitInvalid;
  auto cp = pattern::CompiledPattern::Compile(*p, flags.Match());
  if (!cp.ok()) {
    std::fprintf(stderr, "error: %s\n", cp.status().message().c_str());
    return kExitInvalid;
  }
  std::printf("%s\n", pattern::KindName(p->kind));
  return kExitOk;
}

// Buffered stdout writer.
class Out {
 public:
  ~Out() { Flush(); }
  void Write(std::string_view s) {
    buf_.append(s);
    if (buf_.size() > (1 << 16)) Flush();
  }
  void Flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    buf_.clear();
    std::fflush(stdout);
  }

 private:
  std::string buf_;
};

// Writes matches in the layout the AWS CLI prints for test-metric-filter (4-space indent).
class MatchWriter {
 public:
  explicit MatchWriter(Out& out) : out_(out) {}
  void Begin() { out_.Write("{\n    \"matches\": ["); }
  void Add(uint64_t number, std::string_view message, const pattern::ExtractedValues& ev) {
    std::string s = first_ ? "\n" : ",\n";
    first_ = false;
    s += "        {\n            \"eventNumber\": ";
    s += std::to_string(number);
    s += ",\n            \"eventMessage\": ";
    AppendJsonString(s, message);
    s += ",\n            \"extractedValues\": {";
    for (size_t i = 0; i < ev.size(); ++i) {
      s += i ? ",\n                " : "\n                ";
      AppendJsonString(s, ev[i].first);
      s += ": ";
      AppendJsonString(s, ev[i].second);
    }
    s += ev.empty() ? "}\n        }" : "\n            }\n        }";
    out_.Write(s);
  }
  void End() { out_.Write(first_ ? "]\n}\n" : "\n    ]\n}\n"); }

 private:
  Out& out_;
  bool first_ = true;
};

struct TestArgs {
  std::string pattern;
  std::vector<std::string> messages;
  std::string file;
  std::string patterns_file;
  bool count = false;
  size_t max_event_bytes = 1 << 20;
};

int RunTest(const TestArgs& a, const PatternFlags& flags) {
  pattern::ParseOptions po = flags.Parse();
  MatchOptions mo = flags.Match();
  if (!a.messages.empty() && !a.file.empty()) {
    std::fprintf(stderr, "error: give messages as arguments or with --file, not both\n");
    return kExitInvalid;
  }

  // Several patterns at once (counts only): one pass, JSON patterns share one walk.
  std::vector<pattern::Pattern> patterns;
  std::vector<std::string> pattern_texts;
  if (!a.patterns_file.empty()) {
    if (!a.count) {
      std::fprintf(stderr, "error: --patterns-file needs --count\n");
      return kExitInvalid;
    }
    std::ifstream in(a.patterns_file);
    if (!in) {
      std::fprintf(stderr, "error: %s: cannot open\n", a.patterns_file.c_str());
      return kExitInvalid;
    }
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty() || line[0] == '#') continue;
      auto p = ParseOrReport(line, po, fmt::format("{}:{}", a.patterns_file, n));
      if (!p) return kExitInvalid;
      patterns.push_back(std::move(*p));
      pattern_texts.push_back(line);
    }
    if (patterns.empty()) {
      std::fprintf(stderr, "error: %s: no patterns\n", a.patterns_file.c_str());
      return kExitInvalid;
    }
  } else {
    auto p = ParseOrReport(a.pattern, po);
    if (!p) return kExitInvalid;
    patterns.push_back(std::move(*p));
    pattern_texts.push_back(a.pattern);
  }
  auto set = pattern::PatternSet::Compile(patterns, mo);
  if (!set.ok()) {
    std::fprintf(stderr, "error: %s\n", set.status().message().c_str());
    return kExitInvalid;
  }
  std::shared_ptr<const pattern::CompiledPattern> single;
  if (patterns.size() == 1) {
    auto cp = pattern::CompiledPattern::Compile(patterns[0], mo);
    if (!cp.ok()) {
      std::fprintf(stderr, "error: %s\n", cp.status().message().c_str());
      return kExitInvalid;
    }
    single = *cp;
  }

  std::string path = a.file.empty() ? "-" : a.file;
  std::unique_ptr<LineReader> reader;
  if (a.messages.empty()) {
    LineReader::Options lo;
    lo.max_line_bytes = a.max_event_bytes;
    auto r = LineReader::Open(path, lo);
    if (!r.ok()) {
      std::fprintf(stderr, "error: %s\n", r.status().message().c_str());
      return kExitInvalid;
    }
    reader = std::move(*r);
    if (path == "-" && isatty(0)) {
      std::fprintf(stderr, "reading events from standard input, one per line (Ctrl-D ends)\n");
    }
  }

  pattern::MatchContext ctx(mo);
  std::vector<uint64_t> counts(patterns.size(), 0);
  std::vector<uint8_t> hits;
  Out out;
  MatchWriter writer(out);
  if (!a.count) writer.Begin();
  uint64_t too_long = 0;

  auto handle = [&](uint64_t number, std::string_view msg, bool padded) {
    if (msg.empty()) return;  // CloudWatch events have at least one character
    if (single) {
      bool m = padded ? single->MatchesPadded(msg, ctx) : single->Matches(msg, ctx);
      if (!m) return;
      ++counts[0];
      if (!a.count) writer.Add(number, msg, single->Extract(msg, ctx));
      return;
    }
    if (padded) {
      (*set)->MatchPadded(msg, ctx, hits);
    } else {
      (*set)->Match(msg, ctx, hits);
    }
    for (size_t i = 0; i < hits.size(); ++i) counts[i] += hits[i];
  };

  int rc = kExitOk;
  if (!a.messages.empty()) {
    for (size_t i = 0; i < a.messages.size(); ++i) {
      if (a.messages[i].size() > a.max_event_bytes) {
        std::fprintf(stderr,
                     "warning: message %zu is %zu bytes, over --max-event-bytes %zu; not matched\n",
                     i + 1, a.messages[i].size(), a.max_event_bytes);
        continue;
      }
      handle(i + 1, a.messages[i], false);
    }
  } else {
    uint64_t last = 0;
    while (true) {
      auto line = reader->Next();
      if (!line.ok()) {
        std::fprintf(stderr, "error: %s; stopped after line %llu, the results are incomplete\n",
                     line.status().message().c_str(), static_cast<unsigned long long>(last));
        rc = kExitInvalid;
        break;
      }
      if (!line->has_value()) break;
      const LineReader::Line& l = **line;
      last = l.number;
      if (l.too_long) {
        if (++too_long <= 5) {
          std::fprintf(stderr,
                       "warning: %s:%llu: event longer than --max-event-bytes %zu; not matched\n",
                       path == "-" ? "<stdin>" : path.c_str(),
                       static_cast<unsigned long long>(l.number), a.max_event_bytes);
        }
        continue;
      }
      handle(l.number, l.text, true);
    }
  }
  if (too_long > 5) {
    std::fprintf(stderr, "warning: %llu events in all were longer than --max-event-bytes\n",
                 static_cast<unsigned long long>(too_long));
  }
  if (a.count) {
    if (rc != kExitOk) return rc;  // no count for input that could not be read to the end
    if (patterns.size() == 1) {
      out.Write(fmt::format("{}\n", counts[0]));
    } else {
      for (size_t i = 0; i < patterns.size(); ++i) {
        out.Write(fmt::format("{}\t{}\n", counts[i], pattern_texts[i]));
      }
    }
  } else {
    writer.End();
  }
  return rc;
}

struct RelationArgs {
  std::string a, b;
  std::string format = "text";
  size_t max_conjunctions = 20000;
  size_t max_states = 20000;
  size_t max_collection = 3;
};

std::string Witness(const pattern::Found& f, const char* by, const char* not_by) {
  if (f.exists != pattern::Truth::kTrue) return "null";
  std::string out = "{\"event\": ";
  AppendJsonString(out, f.event);
  out += ", \"matchedBy\": \"";
  out += by;
  out += "\", \"notMatchedBy\": \"";
  out += not_by;
  return out + "\"}";
}

std::string JsonList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    AppendJsonString(out, v[i]);
  }
  return out + "]";
}

// vigil pattern equal|covers|compare A B
int RunRelation(const std::string& verb, const RelationArgs& r, const PatternFlags& flags) {
  auto a = ParseOrReport(r.a, flags.Parse(), "A");
  if (!a) return kExitInvalid;
  auto b = ParseOrReport(r.b, flags.Parse(), "B");
  if (!b) return kExitInvalid;
  pattern::DecideOptions o;
  o.match = flags.Match();
  o.max_conjunctions = r.max_conjunctions;
  o.max_states = r.max_states;
  o.max_collection = r.max_collection;
  bool json = r.format == "json";

  std::string relation = verb == "covers" ? "covers" : "equal";
  pattern::Truth holds = pattern::Truth::kUnknown;
  std::string reason;
  std::string witness_json = "null";
  std::vector<std::string> lines;  // text report
  if (verb == "covers") {
    pattern::Found f = pattern::Covers(*a, *b, o);
    holds = f.exists;
    reason = f.reason;
    witness_json = Witness(pattern::Found{pattern::Truth::kTrue, f.event, ""}, "B", "A");
    if (holds != pattern::Truth::kFalse) witness_json = "null";
    if (holds == pattern::Truth::kFalse) {
      lines.push_back("B matches this event and A does not:");
      lines.push_back("  " + f.event);
    }
  } else {
    pattern::Comparison c = pattern::Compare(*a, *b, o);
    if (verb == "compare") {
      relation = pattern::RelationName(c.relation);
      holds = c.relation == pattern::Relation::kUnknown ? pattern::Truth::kUnknown
                                                        : pattern::Truth::kTrue;
    } else {
      holds = c.relation == pattern::Relation::kEqual     ? pattern::Truth::kTrue
              : c.relation == pattern::Relation::kUnknown ? pattern::Truth::kUnknown
                                                          : pattern::Truth::kFalse;
      if (holds == pattern::Truth::kUnknown &&
          (c.a_not_b.exists == pattern::Truth::kTrue || c.b_not_a.exists == pattern::Truth::kTrue)) {
        holds = pattern::Truth::kFalse;  // one side already separates them
      }
    }
    reason = c.reason;
    if (c.b_not_a.exists == pattern::Truth::kTrue) {
      witness_json = Witness(c.b_not_a, "B", "A");
      lines.push_back("B matches this event and A does not:");
      lines.push_back("  " + c.b_not_a.event);
    }
    if (c.a_not_b.exists == pattern::Truth::kTrue) {
      if (witness_json == "null") witness_json = Witness(c.a_not_b, "A", "B");
      lines.push_back("A matches this event and B does not:");
      lines.push_back("  " + c.a_not_b.event);
    }
    if (c.relation == pattern::Relation::kOverlapping) {
      lines.push_back("both match this event:");
      lines.push_back("  " + c.both.event);
    }
  }
  std::vector<std::string> words;
  if (holds != pattern::Truth::kTrue || verb == "compare") words = pattern::Explain(*a, *b, o);
  if (holds == pattern::Truth::kTrue && verb != "compare") words.clear();

  if (json) {
    std::string out = "{\"relation\": ";
    AppendJsonString(out, relation);
    out += ", \"holds\": ";
    out += holds == pattern::Truth::kTrue ? "true" : holds == pattern::Truth::kFalse ? "false" : "null";
    out += ", \"witness\": " + witness_json + ", \"reason\": ";
    if (holds == pattern::Truth::kUnknown) {
      AppendJsonString(out, "unknown: " + reason);
    } else {
      out += "null";
    }
    out += ", \"explanation\": " + JsonList(words) + "}\n";
    std::fputs(out.c_str(), stdout);
  } else {
    std::string head;
    if (verb == "compare") {
      static const std::map<std::string, std::string> kSay = {
          {"equal", "A and B are equal"},       {"covers", "A covers B"},
          {"covered-by", "B covers A"},         {"overlapping", "A and B overlap"},
          {"disjoint", "A and B are disjoint"}, {"unknown", "unknown"}};
      head = kSay.at(relation);
    } else {
      head = (verb == "covers" ? "A covers B: " : "A equals B: ");
      head += holds == pattern::Truth::kTrue ? "yes" : holds == pattern::Truth::kFalse ? "no" : "unknown";
    }
    if (holds == pattern::Truth::kUnknown) head += " (" + reason + ")";
    std::printf("%s\n", head.c_str());
    for (const auto& l : lines) std::printf("  %s\n", l.c_str());
    if (!words.empty()) {
      std::printf("  In CloudTrail words, A:\n");
      for (const auto& w : words) std::printf("    - %s\n", w.c_str());
    }
  }
  if (holds == pattern::Truth::kUnknown) return kExitUnknown;
  return holds == pattern::Truth::kTrue ? kExitOk : kExitFailed;
}

int RunNormalize(const std::string& text, const PatternFlags& flags) {
  auto p = ParseOrReport(text, flags.Parse());
  if (!p) return kExitInvalid;
  std::printf("%s\n", pattern::Normalize(*p).c_str());
  return kExitOk;
}

}  // namespace

void RegisterPattern(CLI::App& app, int* exit_code) {
  CLI::App* pat = app.add_subcommand("pattern", "CloudWatch Logs filter patterns");
  pat->require_subcommand(1);

  auto flags = std::make_shared<PatternFlags>();

  CLI::App* check = pat->add_subcommand(
      "check", "validate a pattern; print its kind (term, json, delimited, match-all)");
  auto check_text = std::make_shared<std::string>();
  check->add_option("PATTERN", *check_text, "the filter pattern")->required();
  flags->Add(check);
  check->callback([=] { *exit_code = RunCheck(*check_text, *flags); });

  CLI::App* test = pat->add_subcommand(
      "test",
      "match log events as CloudWatch does; print the matches as `aws logs test-metric-filter` "
      "does");
  auto ta = std::make_shared<TestArgs>();
  test->add_option("PATTERN", ta->pattern, "the filter pattern");
  test->add_option("MESSAGE", ta->messages, "events to test (default: --file, or stdin)");
  test->add_option("--file,-f", ta->file, "read events from FILE, one per line (plain or gzip)");
  test->add_flag("--count,-c", ta->count, "print only the number of matching events");
  test->add_option("--patterns-file", ta->patterns_file,
                   "count matches of every pattern in FILE (one per line) in one pass");
  test->add_option("--max-event-bytes", ta->max_event_bytes,
                   "longer events are reported and not matched")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  flags->Add(test);

  CLI::App* norm = pat->add_subcommand(
      "normalize", "print the canonical form: the same events match, and it is idempotent");
  auto norm_text = std::make_shared<std::string>();
  norm->add_option("PATTERN", *norm_text, "the filter pattern")->required();
  flags->Add(norm);
  norm->callback([=] { *exit_code = RunNormalize(*norm_text, *flags); });

  for (const char* verb : {"equal", "covers", "compare"}) {
    const char* help =
        std::string(verb) == "equal"    ? "do A and B match exactly the same events? (0 yes, 1 no, 3 unknown)"
        : std::string(verb) == "covers" ? "does A match every event B matches? (0 yes, 1 no, 3 unknown)"
                                        : "equal, covers, covered-by, overlapping or disjoint";
    CLI::App* cmd = pat->add_subcommand(verb, help);
    auto ra = std::make_shared<RelationArgs>();
    cmd->add_option("A", ra->a, "the pattern under test")->required();
    cmd->add_option("B", ra->b, "the reference pattern")->required();
    cmd->add_option("--format", ra->format, "text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd->add_option("--max-conjunctions", ra->max_conjunctions,
                    "most conjunctions examined before answering unknown")
        ->capture_default_str();
    cmd->add_option("--max-states", ra->max_states, "most automaton states")->capture_default_str();
    cmd->add_option("--max-collection", ra->max_collection,
                    "elements per collection in the bounded model for wildcard selectors")
        ->capture_default_str();
    flags->Add(cmd);
    std::string v = verb;
    cmd->callback([=] { *exit_code = RunRelation(v, *ra, *flags); });
  }
  test->callback([=] {
    if (ta->patterns_file.empty() && test->count("PATTERN") == 0) {
      std::fprintf(stderr, "error: PATTERN is required\n");
      *exit_code = kExitInvalid;
      return;
    }
    if (!ta->patterns_file.empty() && test->count("PATTERN") > 0) {
      // With --patterns-file, positional arguments are messages.
      ta->messages.insert(ta->messages.begin(), ta->pattern);
    }
    *exit_code = RunTest(*ta, *flags);
  });
}

}  // namespace vigil::cli
