// The syntax tree of a GSL rule (shared/docs/gsl.md §2-§4).
//
// parser.h builds it from rule text; planner.h compiles it into a Program. Nodes carry the
// source span they came from, so that diagnostics and evidence can quote the rule.
#ifndef VIGIL_GSL_AST_H_
#define VIGIL_GSL_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vigil::gsl {

struct Span {
  uint32_t begin = 0, end = 0;  // byte offsets into the rule text
};

struct Literal {
  enum class Type { kString, kNumber, kBool };
  Type type = Type::kString;
  std::string text;      // kString: unescaped; kNumber: as written
  double number = 0;     // kNumber
  bool is_int = false;   // kNumber: fits int64 exactly
  int64_t integer = 0;   // kNumber when is_int
  bool boolean = false;  // kBool
  Span span;
};

struct Expr;

// `[ expr ]` or `[ lit, lit, ... ]`.
struct Bracket {
  std::vector<Literal> literals;  // when !expr
  std::unique_ptr<Expr> expr;
  Span span;
};

struct Step {
  enum class Type { kWith, kGroupBy, kCall };
  Type type = Type::kCall;
  Bracket bracket;                  // kWith
  std::vector<std::string> path;    // kGroupBy
  std::string name;                 // kCall: the function, lowercased
  std::vector<Literal> args;        // kCall
  Span span;
};

struct Test {
  enum class Type { kCompare, kLike, kRegex, kIn, kBefore, kAfter, kQuantifier };
  Type type = Type::kCompare;
  std::string op;                 // kCompare: = != < > <= >=; kQuantifier: contain, contain-any,
                                  // contain-all, contain-none
  Literal literal;                // kCompare, kLike
  std::vector<Literal> literals;  // kIn
  std::string regex;              // kRegex: the body, with \/ resolved
  std::string flags;              // kRegex
  int64_t amount = 0;             // kBefore/kAfter
  std::string unit;               // kBefore/kAfter, lowercased, singular
  Bracket bracket;                // kQuantifier
  Span span;
};

struct Predicate {
  bool is_dollar = false;          // operand is $
  std::vector<std::string> path;   // operand path segments (empty for $)
  std::vector<Step> steps;
  std::optional<Test> test;
  Span span;
};

struct Expr {
  enum class Type { kAnd, kOr, kNot, kPredicate };
  Type type = Type::kPredicate;
  std::vector<Expr> children;  // kAnd, kOr (2+), kNot (1)
  Predicate predicate;
  Span span;
};

struct Rule {
  bool event_query = false;
  std::string event_source;  // event queries: "cloudtrail"
  std::string entity_type;   // posture rules: CloudTrail, Instance, ...
  bool list_target = false;  // List<T>
  std::optional<Expr> where;
  bool negated = false;      // should not
  Expr body;                 // the should expression, or the event query's condition
  std::string text;          // the rule as written
};

// The rule as an indented S-expression (what `vigil gsl parse` prints; golden tests use it).
std::string ToSExpr(const Rule& rule);

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_AST_H_
