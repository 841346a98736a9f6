// Diagnostics for bad rule text (gsl.md §2, §3, §12, Decision 2) and bad inventories
// (docs/inventory.md): every problem names its place (line:column, or file and JSON path) and says
// what was found and what was expected. Also the resource limits: deep nesting fails cleanly and a
// 100 MB string literal is handled quickly.
//
// Positions are computed from the rule text (the offending token's offset), so each case states
// where the caret belongs. Messages are compared exactly where gsl.md quotes them (§1, §12) and
// otherwise by the fragments a clear message must contain.
#include "gsl/parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "gsl/ast.h"
#include "gsl/eval.h"
#include "gsl/inventory.h"

namespace vigil::gsl {
namespace {

// 1-based line and column (in characters) of a byte offset.
std::pair<size_t, size_t> LineCol(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {line, col};
}

enum class Match { kExact, kPrefix, kContains };

struct BadRule {
  std::string name;
  std::string text;
  // Where the caret belongs: the first occurrence of `at` at or after `after` (`at` empty: the
  // end of the rule).
  std::string at;
  std::vector<std::string> messages;  // kExact: one message; otherwise all must match
  Match match = Match::kContains;
  std::string after;
};

void PrintTo(const BadRule& b, std::ostream* os) { *os << b.name; }

size_t ExpectedOffset(const BadRule& b) {
  if (b.at.empty()) return b.text.size();
  size_t from = b.after.empty() ? 0 : b.text.find(b.after);
  size_t pos = b.text.find(b.at, from == std::string::npos ? 0 : from);
  return pos;
}

void CheckDiagnostic(const BadRule& b, const Diagnostic& d) {
  size_t want_offset = ExpectedOffset(b);
  ASSERT_NE(want_offset, std::string::npos) << "bad test: '" << b.at << "' not in the rule";
  auto [line, col] = LineCol(b.text, want_offset);
  std::string shown = FormatDiagnostic("rule", b.text, d);
  EXPECT_EQ(d.line, line) << shown;
  EXPECT_EQ(d.column, col) << shown;
  EXPECT_EQ(d.offset, want_offset) << shown;
  EXPECT_FALSE(d.message.empty());
  for (const std::string& m : b.messages) {
    switch (b.match) {
      case Match::kExact:
        EXPECT_EQ(d.message, m) << shown;
        break;
      case Match::kPrefix:
        EXPECT_EQ(d.message.substr(0, m.size()), m) << shown;
        break;
      case Match::kContains:
        EXPECT_NE(d.message.find(m), std::string::npos) << m << "\n" << shown;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parse errors

const std::vector<BadRule>& ParseErrors() {
  static const auto* v = new std::vector<BadRule>{
      // §12 foreign syntax and Decision 2.
      {"and_and",
       "Instance should have name = 'a' && port = 1",
       "&&",
       {"'&&' is not GSL; use 'and'"},
       Match::kExact},
      {"or_or",
       "Instance should have name = 'a' || port = 1",
       "||",
       {"'||' is not GSL; use 'or'"},
       Match::kExact},
      {"bang",
       "Instance should have ! name = 'a'",
       "!",
       {"'!' is not GSL; use 'not'"},
       Match::kExact},
      {"eq_eq",
       "Instance should have name == 'a'",
       "==",
       {"'==' is not GSL; use '='"},
       Match::kExact},
      {"double_quotes", "Instance should have name = \"a\"", "\"", {"double-quoted", "'"}},
      // §12 trailing tokens.
      {"trailing_bracket",
       "Instance should have name = 'a' ]",
       "]",
       {"unexpected ']' after the end of the rule"},
       Match::kExact},
      {"trailing_paren",
       "Instance should have name = 'a')",
       ")",
       {"unexpected ')' after the end of the rule"},
       Match::kExact},
      {"trailing_path",
       "Instance should have name = 'a' name",
       "name",
       {"'name'"},
       Match::kContains,
       "'a'"},
      {"trailing_where", "Instance should have name = 'a' where b=1", "where", {"where"}},
      // §12 unbalanced brackets and parentheses: the message names the opener and its place.
      {"unclosed_with",
       "CloudTrail should have metricFilters with [ filterPattern = 'x'",
       "",
       {"expected ']' to close 'with [' opened at 1:43, found end of rule"},
       Match::kExact},
      {"unclosed_paren",
       "Instance should have (name = 'a' or name = 'b'",
       "",
       {"expected ')' to close '(' opened at 1:22", "end of rule"}},
      {"wrong_closer",
       "Instance should have tags with [ key = 'a' ) ",
       ")",
       {"expected ']' to close 'with [' opened at 1:32", "')'"}},
      {"unclosed_contain",
       "Instance should have tags contain [ key = 'a' and (value = 'b' ]",
       "]",
       {"expected ')' to close '(' opened at 1:51"}},
      // §12 missing literal (the corpus template row, gsl.md §1).
      {"placeholder",
       "SecurityGroup should not have inboundRules contain [ port<=x and portTo>=x and scope!= y ]",
       "x",
       {"expected a literal (string, number, true or false) after '<=', found identifier 'x'"},
       Match::kExact,
       "<="},
      {"null_literal", "Instance should have name = null", "null", {"literal", "'null'"}},
      {"like_needs_string",
       "Instance should have name like x",
       "x",
       {"like", "'x'"},
       Match::kContains,
       "like"},
      {"regex_needs_slashes",
       "Instance should have name regexMatch 'abc'",
       "'abc'",
       {"regexMatch"}},
      {"empty_in", "Instance should have name in ()", ")", {"literal"}},
      {"literal_list_mixed",
       "Instance should have tags contain ['a', b]",
       "b",
       {"literal", "'b'"},
       Match::kContains,
       "'a'"},
      {"empty_bracket", "Instance should have tags contain []", "]", {"contain"}},
      // §12 missing function space (the corpus row of gsl.md §1).
      {"glued_call",
       "NetworkSecurityGroup should have networkAssetsStatslength()>0",
       "(",
       {"unexpected '(' after path 'networkAssetsStatslength'; a function call needs a space "
        "before its name (did you mean 'networkAssetsStats length()'?)"},
       Match::kExact},
      // §12 unknown function and bad arguments (§2: an unknown name is an error).
      {"unknown_function",
       "Instance should have tags isUnique()",
       "isUnique",
       {"unknown function 'isUnique'; known: isEmpty, length, isPublic, "},
       Match::kPrefix},
      {"bad_argument_type",
       "Instance should have inboundRules allowedHostsForPort('ssh') > 0",
       "allowedHostsForPort",
       {"allowedHostsForPort expects 1 number, got 'ssh'"},
       Match::kExact},
      {"too_many_arguments",
       "Instance should have inboundRules allowedHostsForPort(22, 23) > 0",
       "allowedHostsForPort",
       {"allowedHostsForPort", "22"}},
      {"isempty_argument", "Instance should have tags isEmpty(1)", "isEmpty", {"isEmpty"}},
      {"pattern_needs_argument",
       "Instance should have name isFilterPatternEqual()",
       "isFilterPatternEqual",
       {"isFilterPatternEqual"}},
      {"unknown_unit",
       "Instance should have name before(1, 'fortnights')",
       "'fortnights'",
       {"'fortnights'"}},
      {"fractional_amount", "Instance should have name before(1.5, 'days')", "1.5", {"1.5"}},
      {"regex_flag",
       "Instance should have name regexMatch /abc/x",
       "x",
       {"'x'", "'i'"},
       Match::kContains,
       "/abc/"},
      // §12 missing should; §2 event queries need the cloudtrail source.
      {"have_without_should",
       "Instance have name = 'a'",
       "have",
       {"expected 'should' after the target of a posture rule"},
       Match::kPrefix},
      {"path_without_should",
       "Instance name = 'a'",
       "name",
       {"expected 'should' after the target of a posture rule"},
       Match::kPrefix},
      {"where_without_should",
       "Instance where name = 'a'",
       "",
       {"expected 'should' after the target of a posture rule"},
       Match::kPrefix},
      {"event_query_other_source", "events where name = 'x'", "", {"cloudtrail"}},
      // §3: a number-valued step must be followed by a comparison; a test ends the chain.
      {"length_without_comparison",
       "VPC should have subnets length()",
       "",
       {"length()", "comparison"}},
      {"hosts_without_comparison",
       "Instance should have scope numberOfHosts()",
       "",
       {"numberOfHosts()", "comparison"}},
      {"allowed_without_comparison",
       "Instance should have inboundRules allowedHostsForPort(22) and name = 'a'",
       "and",
       {"allowedHostsForPort", "comparison"}},
      {"length_then_step",
       "VPC should have subnets length() isEmpty()",
       "isEmpty",
       {"length()", "comparison"}},
      {"step_after_test",
       "Instance should have name isPublic() = true",
       "=",
       {"isPublic()"},
       Match::kContains,
       "isPublic"},
      {"test_after_test",
       "Instance should have x contain [a=1] contain [b=1]",
       "contain",
       {"contain"},
       Match::kContains,
       "]"},
      // §2 lexical rules.
      {"unterminated_string", "Instance should have name = 'abc", "'", {"unterminated"}},
      {"unterminated_after_escape", "Instance should have name = 'it\\'", "'", {"unterminated"}},
      {"plus_number", "Instance should have port = +7", "+", {"'+'"}},
      {"hex_number", "Instance should have port = 0x10", "0x10", {"0x"}},
      {"exponent_number", "Instance should have port = 1e3", "1e3", {"1e"}},
      {"dollar_dot", "Instance should have $.name = 'a'", ".", {"'$'", "'.'"}},
      {"lowercase_type", "instance should have name = 'a'", "instance", {"'instance'"}},
      {"lowercase_list_type", "List<instance> should have items", "instance", {"'instance'"}},
      {"reserved_first_segment", "Instance should have and.x = 1", "and", {"'and'"}},
      {"dangling_dot", "Instance should have x.", "", {"after '.'"}},
      {"double_dot", "Instance should have x..y", ".y", {"after '.'"}},
      {"unknown_character", "Instance should have ~x", "~", {"'~'"}},
      {"dangling_or", "Instance should have name = 'a' or", "", {"end of rule"}},
      {"empty_rule", "", "", {}},
      {"blank_rule", "  \n\t ", "", {}},
      // Multi-line rules: line numbers count newlines, those inside strings included; columns
      // count characters (é is one).
      {"multiline", "Instance should have\n  name = 'a' and\n  port == 22", "==", {"'=='"}},
      {"multiline_crlf",
       "Instance should have\r\n  name = 'a' and\r\n  port == 22",
       "==",
       {"'=='"}},
      {"newline_in_string", "Instance should have name = 'a\nb\nc' && x=1", "&&", {"'&&'"}},
      {"column_in_characters",
       "Instance should have name = '\xC3\xA9\xC3\xA9' && x=1",
       "&&",
       {"'&&'"}},
      {"multiline_unclosed",
       "Instance should have\n  tags with [\n    key = 'a'\n",
       "",
       {"opened at 2:13"}},
  };
  return *v;
}

class ParseErrorTest : public ::testing::TestWithParam<BadRule> {};

TEST_P(ParseErrorTest, Diagnostic) {
  const BadRule& b = GetParam();
  ParseResult r = ParseRule(b.text);
  ASSERT_FALSE(r.ok()) << "accepted:\n" << ToSExpr(*r.rule);
  CheckDiagnostic(b, r.error);
  // Plan reports the same diagnostic as the parser.
  PlanResult p = Plan(b.text);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error.offset, r.error.offset);
  EXPECT_EQ(p.error.message, r.error.message);
}

std::string BadRuleName(const ::testing::TestParamInfo<BadRule>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Parse, ParseErrorTest, ::testing::ValuesIn(ParseErrors()), BadRuleName);

// ---------------------------------------------------------------------------------------------
// Plan-time errors: regexes and filter patterns are compiled when the rule is planned (§6.5,
// §6.13); an invalid one is a rule error, never a silent no-match.

const std::vector<BadRule>& PlanErrors() {
  static const auto* v = new std::vector<BadRule>{
      {"regex_missing_paren", "Instance should have name regexMatch /a(b/", "", {}},
      {"regex_bad_range", "Instance should have name regexMatch /[z-a]/i", "", {}},
      {"regex_backreference", "Instance should have name regexMatch /(a)\\1/", "", {}},
      {"regex_lookahead", "Instance should have name regexMatch /a(?=b)/", "", {}},
      {"regex_in_bracket",
       "Instance should have\n  name = 'a' and\n  tags with [ x regexMatch /a(/ ]",
       "",
       {}},
      {"filter_unclosed",
       "Instance should have name isFilterPatternEqual('{ $.eventSource = config.amazonaws.com ')",
       "",
       {}},
      {"filter_covers", "Instance should have name coversFilterPattern('{ $.a = ')", "", {}},
      {"filter_in_seed_shape",
       "List<CloudTrail> should have items with [hasSNSSubscriber='true' and metricFilters with "
       "[filterPattern isFilterPatternEqual('{($.eventSource = config.amazonaws.com) && "
       "(($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)')] length() "
       "> 0]",
       "",
       {}},
  };
  return *v;
}

class PlanErrorTest : public ::testing::TestWithParam<BadRule> {};

TEST_P(PlanErrorTest, Diagnostic) {
  const BadRule& b = GetParam();
  PlanResult p = Plan(b.text);
  ASSERT_FALSE(p.ok()) << "planned a rule with an invalid regex or filter pattern";
  const Diagnostic& d = p.error;
  std::string shown = FormatDiagnostic("rule", b.text, d);
  ASSERT_LE(d.offset, b.text.size()) << shown;
  auto [line, col] = LineCol(b.text, d.offset);
  EXPECT_EQ(d.line, line) << shown;
  EXPECT_EQ(d.column, col) << shown;
  bool regex = b.text.find("regexMatch") != std::string::npos;
  if (regex) {
    // §12: "invalid regular expression /a(b/: missing ')'"; the caret on the regexMatch test.
    size_t slash = b.text.rfind("regexMatch /") + 11;
    std::string body = b.text.substr(slash, b.text.rfind('/') + 1 - slash);
    EXPECT_EQ(d.message.substr(0, 27 + body.size() + 2),
              "invalid regular expression " + body + ": ")
        << shown;
    EXPECT_LT(d.offset, b.text.rfind('/')) << shown;
    EXPECT_EQ(d.line, LineCol(b.text, b.text.find("regexMatch")).first) << shown;
  } else {
    // §12: "isFilterPatternEqual: invalid filter pattern: expected '}' (column 37)".
    std::string fn = b.text.find("coversFilterPattern") != std::string::npos
                         ? "coversFilterPattern"
                         : "isFilterPatternEqual";
    EXPECT_EQ(d.message.substr(0, fn.size() + 26), fn + ": invalid filter pattern: ") << shown;
    EXPECT_NE(d.message.find("(column "), std::string::npos) << shown;
    EXPECT_GE(d.offset, b.text.find(fn)) << shown;
  }
}

INSTANTIATE_TEST_SUITE_P(Plan, PlanErrorTest, ::testing::ValuesIn(PlanErrors()), BadRuleName);

TEST(PlanLimits, RegexOverMemoryBudgetIsARuleError) {
  PlanOptions options;
  options.regex_max_mem = 1 << 10;
  std::string text = "Instance should have name regexMatch /\\w{200}\\w{200}\\w{200}/";
  PlanResult p = Plan(text, options);
  ASSERT_FALSE(p.ok()) << "a regex over its memory budget must not plan silently";
  EXPECT_NE(p.error.message.find("invalid regular expression"), std::string::npos)
      << FormatDiagnostic("rule", text, p.error);
}

// ---------------------------------------------------------------------------------------------
// Resource limits

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void ExpectCleanDepthError(const std::string& text) {
  auto start = std::chrono::steady_clock::now();
  ParseResult r = ParseRule(text);
  EXPECT_LT(Seconds(start), 5.0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.message.find("nesting"), std::string::npos) << r.error.message;
  EXPECT_LE(r.error.offset, text.size());
  EXPECT_EQ(r.error.line, 1u);
  PlanResult p = Plan(text);
  EXPECT_FALSE(p.ok());
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Limits, TenThousandNestedParenthesesFailCleanly) {
  ExpectCleanDepthError("Instance should have " + Repeat("(", 10000) + "a=1" + Repeat(")", 10000));
}

TEST(Limits, MillionNestedParenthesesFailCleanly) {
  ExpectCleanDepthError("Instance should have " + Repeat("(", 1000000) + "a=1" +
                        Repeat(")", 1000000));
}

TEST(Limits, UnclosedNestedParenthesesFailCleanly) {
  ExpectCleanDepthError("Instance should have " + Repeat("(", 100000));
}

TEST(Limits, TenThousandNestedBracketsFailCleanly) {
  ExpectCleanDepthError("Instance should have " + Repeat("x with [", 10000) + "a=1" +
                        Repeat("]", 10000));
  ExpectCleanDepthError("Instance should have " + Repeat("x contain [", 10000) + "a=1" +
                        Repeat("]", 10000));
}

TEST(Limits, HundredThousandNotsFailCleanly) {
  ExpectCleanDepthError("Instance should have " + Repeat("not ", 100000) + "a=1");
}

TEST(Limits, ModerateNestingParses) {
  std::string text = "Instance should have " + Repeat("(", 100) + "a=1" + Repeat(")", 100);
  ParseResult r = ParseRule(text);
  EXPECT_TRUE(r.ok()) << FormatDiagnostic("rule", text, r.error);
}

TEST(Limits, DepthIsAnOption) {
  ParseOptions options;
  options.max_depth = 4;
  std::string text = "Instance should have " + Repeat("(", 10) + "a=1" + Repeat(")", 10);
  ParseResult r = ParseRule(text, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.message.find("nesting"), std::string::npos) << r.error.message;
  EXPECT_TRUE(ParseRule(text).ok());
}

TEST(Limits, LongFlatChainsParse) {
  // and/or chains are not nesting: 100,000 terms parse, and quickly.
  for (const char* op : {" and ", " or "}) {
    std::string text = "Instance should have a=1";
    for (int i = 0; i < 100000; ++i) text += std::string(op) + "a=1";
    auto start = std::chrono::steady_clock::now();
    ParseResult r = ParseRule(text);
    EXPECT_LT(Seconds(start), 5.0);
    EXPECT_TRUE(r.ok()) << FormatDiagnostic("rule", text.substr(0, 200), r.error);
  }
}

TEST(Limits, HundredMegabyteStringLiteral) {
  std::string text = "Instance should have name = '";
  size_t quote = text.size() - 1;
  text.append(100u << 20, 'a');
  text += "'";
  auto start = std::chrono::steady_clock::now();
  ParseResult r = ParseRule(text);
  ASSERT_TRUE(r.ok()) << r.error.message.substr(0, 200);
  ASSERT_TRUE(r.rule->body.predicate.test.has_value());
  EXPECT_EQ(r.rule->body.predicate.test->literal.text.size(), 100u << 20);
  EXPECT_LT(Seconds(start), 10.0) << "parsing a 100 MB literal took too long";

  // Unterminated: reported at its opening quote, quickly, without echoing 100 MB.
  text.pop_back();
  start = std::chrono::steady_clock::now();
  r = ParseRule(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.offset, quote);
  EXPECT_EQ(r.error.column, quote + 1);
  EXPECT_LT(r.error.message.size(), 1000u);
  EXPECT_LT(Seconds(start), 10.0);

  // With an escape near the end, and as a like pattern planned for evaluation.
  text = "Instance should have name like '%";
  text.append(100u << 20, 'b');
  text += "\\'%'";
  start = std::chrono::steady_clock::now();
  PlanResult p = Plan(text);
  EXPECT_TRUE(p.ok()) << p.error.message.substr(0, 200);
  EXPECT_LT(Seconds(start), 10.0);
}

TEST(Limits, HundredMegabyteLiteralFollowedByAnError) {
  std::string text = "Instance should have name = '";
  text.append(100u << 20, 'a');
  text += "' && x = 1";
  auto start = std::chrono::steady_clock::now();
  ParseResult r = ParseRule(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.offset, text.find("&&"));
  EXPECT_EQ(r.error.message, "'&&' is not GSL; use 'and'");
  // The formatted diagnostic shows the line, but not 100 MB of it.
  std::string shown = FormatDiagnostic("rule", text, r.error);
  EXPECT_LT(Seconds(start), 10.0);
  EXPECT_LT(shown.size(), 4096u) << "the diagnostic echoes the whole line";
}

// ---------------------------------------------------------------------------------------------
// Diagnostic format (§12 and STYLE.md): "where:line:col: error: message", the source line, a caret.

TEST(Format, WhereLineColumnMessageLineCaret) {
  std::string text = "Instance should have\n  name = 'a' &&\n  port = 22";
  ParseResult r = ParseRule(text);
  ASSERT_FALSE(r.ok());
  std::string shown = FormatDiagnostic("rules/x.gsl", text, r.error);
  std::vector<std::string> lines;
  for (size_t start = 0; start < shown.size();) {
    size_t nl = shown.find('\n', start);
    if (nl == std::string::npos) nl = shown.size();
    lines.push_back(shown.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_GE(lines.size(), 3u) << shown;
  EXPECT_EQ(lines[0], "rules/x.gsl:2:14: error: '&&' is not GSL; use 'and'");
  const std::string source = "  name = 'a' &&";
  ASSERT_GE(lines[1].size(), source.size()) << shown;
  EXPECT_EQ(lines[1].substr(lines[1].size() - source.size()), source) << shown;
  std::string indent = lines[1].substr(0, lines[1].size() - source.size());
  EXPECT_EQ(lines[2], indent + std::string(13, ' ') + "^") << shown;
}

TEST(Format, MultilineWithLeadingSpacesIndexesTheRightLine) {
  std::string text =
      "List<CloudTrail> should have items with [\n  hasSNSSubscriber='true' and\n"
      "  metricFilters with [filterPattern isUnique()] length() > 0]";
  ParseResult r = ParseRule(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.line, 3u);
  EXPECT_EQ(r.error.column, 37u);
  std::string shown = FormatDiagnostic("D9.AWS.MON.09", text, r.error);
  EXPECT_EQ(shown.substr(0, shown.find('\n')), "D9.AWS.MON.09:3:37: error: " + r.error.message);
  EXPECT_NE(shown.find("metricFilters with [filterPattern isUnique()]"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Things that must be accepted (§2).

TEST(Accepted, KeywordsAndFunctionsAnyCaseHaveOptional) {
  for (const char* text : {
           "Instance SHOULD NOT HAVE name LIKE 'x' AND tags ISEMPTY()",
           "Instance Should name regexmatch /x/i Or tags Contain-All [ $ = 'a' ]",
           "Instance should have tags contain['a']",
           "Instance should have x.and = 1",
           "S3Bucket should have policy.Statement contain [ Condition.Bool.aws:SecureTransport = "
           "'false' ]",
           "Instance should have port = -90 and size = 0.5 and big = 4294967296",
           "cloudtrail where event.name = 'x'",
           "CLOUDTRAIL where event.name = 'x'",
           "Cloudtrail where event.name = 'x'",
           "list<CloudTrail> should have items",
           "LIST<CloudTrail> SHOULD HAVE items",
           "Instance should have v = TRUE or v = False",
           "Instance should have tags CONTAIN-ANY [ $ = 'a' ] and name REGEXMATCH /x/i",
           "Instance should have tags LENGTH() > 1 and x NumberOfHosts() > 1",
           "Instance WHERE a=1 SHOULD HAVE b=1",
           "Instance should have name = 'multi\nline'",
           "Instance should have\tname\r\n=\n'a'",
           "Instance should have name = 'it\\'s \\\\ %\\d+%'",
       }) {
    ParseResult r = ParseRule(text);
    EXPECT_TRUE(r.ok()) << FormatDiagnostic("rule", text, r.error);
  }
}

TEST(Accepted, KeywordsListTrueFalseAnyCase) {
  ParseResult r = ParseRule("list<CloudTrail> should have items");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.rule->list_target);
  EXPECT_EQ(r.rule->entity_type, "CloudTrail");
  r = ParseRule("Instance should have v = TRUE");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rule->body.predicate.test->literal.type, Literal::Type::kBool);
  EXPECT_TRUE(r.rule->body.predicate.test->literal.boolean);
  r = ParseRule("CloudTrail where event.name = 'x'");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.rule->event_query) << "a rule without should is an event query (gsl.md §2)";
}

TEST(Accepted, StringEscapes) {
  ParseResult r = ParseRule("Instance should have name = 'it\\'s \\\\ %\\d+%'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rule->body.predicate.test->literal.text, "it's \\ %\\d+%");
}

TEST(Accepted, RegexSlashEscape) {
  ParseResult r = ParseRule("Instance should have name regexMatch /^a\\/b\\d$/i");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rule->body.predicate.test->regex, "^a/b\\d$");
  EXPECT_EQ(r.rule->body.predicate.test->flags, "i");
}

TEST(Accepted, Int64Literals) {
  ParseResult r = ParseRule("Instance should have n = 9223372036854775807");
  ASSERT_TRUE(r.ok());
  const Literal& l = r.rule->body.predicate.test->literal;
  EXPECT_TRUE(l.is_int);
  EXPECT_EQ(l.integer, INT64_MAX);
}

// ---------------------------------------------------------------------------------------------
// Inventory errors (docs/inventory.md): clear messages that name the place.

struct BadInventory {
  std::string name, json;
  std::vector<std::string> mentions;
};

void PrintTo(const BadInventory& b, std::ostream* os) { *os << b.name; }

class InventoryErrorTest : public ::testing::TestWithParam<BadInventory> {};

TEST_P(InventoryErrorTest, NamesThePlace) {
  const BadInventory& b = GetParam();
  auto inv = Inventory::FromText(b.json, "inv.json");
  ASSERT_FALSE(inv.ok()) << "accepted: " << b.json;
  const std::string& m = inv.status().message();
  EXPECT_NE(m.find("inv.json"), std::string::npos) << m;
  for (const std::string& s : b.mentions) EXPECT_NE(m.find(s), std::string::npos) << s << ": " << m;
}

std::string InventoryName(const ::testing::TestParamInfo<BadInventory>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    Inventory, InventoryErrorTest,
    ::testing::Values(
        BadInventory{"not_json", "this is not JSON", {}},
        BadInventory{"truncated", R"({"version":1,"account":{"id":"1"},"entities":{)", {}},
        BadInventory{"two_documents",
                     R"({"account":{"id":"1"},"entities":{}} {"account":{"id":"1"},"entities":{}})",
                     {}},
        BadInventory{"top_level_list", "[]", {}}, BadInventory{"empty", "", {}},
        BadInventory{
            "entities_list", R"({"version":1,"account":{"id":"1"},"entities":[]})", {"entities"}},
        BadInventory{"entities_missing", R"({"version":1,"account":{"id":"1"}})", {"entities"}},
        BadInventory{"type_not_list",
                     R"({"version":1,"account":{"id":"1"},"entities":{"CloudTrail":{"id":"a"}}})",
                     {"entities.CloudTrail"}},
        BadInventory{"entity_not_object",
                     R"({"version":1,"account":{"id":"1"},"entities":{"CloudTrail":["a"]}})",
                     {"entities.CloudTrail[0]"}},
        BadInventory{
            "entity_without_id",
            R"({"version":1,"account":{"id":"1"},"entities":{"CloudTrail":[{"id":"a"},{"name":"b"}]}})",
            {"entities.CloudTrail[1]", "id"}},
        BadInventory{"entity_empty_id",
                     R"({"version":1,"account":{"id":"1"},"entities":{"S3Bucket":[{"id":""}]}})",
                     {"entities.S3Bucket[0]", "id"}},
        BadInventory{"entity_numeric_id",
                     R"({"version":1,"account":{"id":"1"},"entities":{"S3Bucket":[{"id":7}]}})",
                     {"entities.S3Bucket[0]", "id"}},
        BadInventory{
            "duplicate_id",
            R"({"version":1,"account":{"id":"1"},"entities":{"S3Bucket":[{"id":"a"},{"id":"a"}]}})",
            {"entities.S3Bucket[1]", "a"}},
        BadInventory{"wrong_version",
                     R"({"version":2,"account":{"id":"1"},"entities":{}})",
                     {"version", "2"}},
        BadInventory{
            "version_string", R"({"version":"1","account":{"id":"1"},"entities":{}})", {"version"}},
        BadInventory{"account_missing", R"({"version":1,"entities":{}})", {"account"}},
        BadInventory{"account_id_missing",
                     R"({"version":1,"account":{"name":"x"},"entities":{}})",
                     {"account"}},
        BadInventory{
            "account_id_empty", R"({"version":1,"account":{"id":""},"entities":{}})", {"account"}}),
    InventoryName);

TEST(Inventory, LoadNamesTheMissingFile) {
  auto inv = Inventory::Load("/nonexistent/vigil-inventory.json");
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("/nonexistent/vigil-inventory.json"), std::string::npos)
      << inv.status().message();
}

TEST(Inventory, MinimalDocumentLoads) {
  auto inv = Inventory::FromText(R"({"account":{"id":"1"},"entities":{"CloudTrail":[]}})", "m");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_TRUE((*inv)->Has("CloudTrail"));
  EXPECT_FALSE((*inv)->Has("S3Bucket"));
  EXPECT_EQ((*inv)->account_id(), "1");
}

TEST(Inventory, PermissionGapsAreRead) {
  auto inv = Inventory::FromText(
      R"({"version":1,"account":{"id":"1"},"entities":{"CloudTrail":[]},
          "collection":{"permissionGaps":[{"entityType":"MetricAlarm","error":"AccessDenied"}]}})",
      "g");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_TRUE((*inv)->HasGap("MetricAlarm"));
  EXPECT_FALSE((*inv)->HasGap("CloudTrail"));
}

// The id, name and readability are read from the tape at load (inventory.cc, through DomRef):
// only an entity's own members count, the first of a repeated key wins, keys are compared
// unescaped, and values of every tape shape (numbers take two words, containers jump to their
// end) are skipped.
TEST(Inventory, InfosComeFromEachEntitysOwnFirstMembers) {
  auto inv = Inventory::FromText(
      R"({"version":1,"account":{"id":"1"},"entities":{
          "Empty":[],
          "S3Bucket":[
            {"tags":{"id":"nested","name":"nested","chainReadable":false},"n":-1,"u":18446744073709551615,
             "d":1.5,"t":true,"z":null,"l":[{"id":"x"}],"id":"b1","name":"first","name":"second"},
            {"i\u0064":"b2","name":7,"chainReadable":"false"},
            {"chainReadable":true,"id":"b3","chainReadable":false},
            {"id":"b4","chainReadable":false,"name":""}],
          "VPC":[{"x":{"y":[[],{}]},"id":"v1"}]}})",
      "t");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  const auto& infos = (*inv)->Infos("S3Bucket");
  ASSERT_EQ(infos.size(), 4u);
  EXPECT_EQ(infos[0].id, "b1");
  EXPECT_EQ(infos[0].name, "first");
  EXPECT_FALSE(infos[0].unreadable);
  EXPECT_EQ(infos[1].id, "b2");
  EXPECT_EQ(infos[1].name, "");  // not a string
  EXPECT_FALSE(infos[1].unreadable);  // "false" the string is not the boolean
  EXPECT_EQ(infos[2].id, "b3");
  EXPECT_FALSE(infos[2].unreadable);  // the first chainReadable counts
  EXPECT_EQ(infos[3].id, "b4");
  EXPECT_TRUE(infos[3].unreadable);
  // The API's elements are the same entities, in the same order.
  const auto& entities = (*inv)->Entities("S3Bucket");
  ASSERT_EQ(entities.size(), 4u);
  std::string_view id;
  ASSERT_FALSE(entities[3]["id"].get_string().get(id));
  EXPECT_EQ(id, "b4");
  ASSERT_EQ((*inv)->Infos("VPC").size(), 1u);
  EXPECT_EQ((*inv)->Infos("VPC")[0].id, "v1");
  EXPECT_TRUE((*inv)->Has("Empty"));
  EXPECT_EQ((*inv)->EntityCount(), 5u);
}

// A type listed twice has both lists, in Infos() and in Entities() (made on first use) alike.
TEST(Inventory, ATypeGivenTwiceHasBothLists) {
  auto inv = Inventory::FromText(
      R"({"account":{"id":"1"},"entities":{"VPC":[{"id":"a"}],"S3Bucket":[{"id":"s"}],
          "VPC":[{"id":"b"},{"id":"c"}]}})",
      "twice");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  ASSERT_EQ((*inv)->Infos("VPC").size(), 3u);
  EXPECT_EQ((*inv)->Infos("VPC")[2].id, "c");
  const auto& elements = (*inv)->Entities("VPC");
  ASSERT_EQ(elements.size(), 3u);
  std::string_view id;
  ASSERT_FALSE(elements[1]["id"].get_string().get(id));
  EXPECT_EQ(id, "b");
  EXPECT_EQ(&(*inv)->Entities("VPC"), &elements);  // made once
  EXPECT_TRUE((*inv)->Entities("Nothing").empty());
  EXPECT_EQ((*inv)->EntityCount(), 4u);
}

}  // namespace
}  // namespace vigil::gsl
