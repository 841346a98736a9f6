// The syntax tree of a CloudWatch Logs filter pattern (docs: shared/docs/filter-patterns.md).
//
// parser.h builds a Pattern from text and checks every validation rule; a Pattern that exists is
// valid. matcher.h compiles it for matching, printer.h prints its canonical form. The tree is a
// plain value: copyable, comparable, and free of compiled state.
#ifndef VIGIL_PATTERN_AST_H_
#define VIGIL_PATTERN_AST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pattern/regex.h"

namespace vigil::pattern {

enum class Kind {
  kMatchAll,   // the empty or blank pattern
  kTerm,       // unstructured terms
  kJson,       // { ... }
  kDelimited,  // [ ... ]
};
const char* KindName(Kind k);  // "match-all", "term", "json", "delimited"

// The right-hand side of a comparison, in JSON and delimited patterns.
struct Value {
  enum class Type {
    kString,  // exact text (quoted or bare), escapes resolved
    kGlob,    // '*' at the start and/or end; `text` is the part between them
    kRegex,   // %...%
    kNumber,  // matched the Number grammar, unquoted
  };
  Type type = Type::kString;
  std::string text;           // kString/kGlob: the text; kRegex: the source between the '%'
  bool star_start = false;    // kGlob: '*' at the start ("*X", "*X*", "*")
  bool star_end = false;      // kGlob: '*' at the end ("X*", "*X*", "*")
  double number = 0;          // kNumber
  std::string number_text;    // kNumber: as written
  Regex regex;                // kRegex: parsed and translated

  bool IsAnyScalar() const { return type == Type::kGlob && text.empty(); }  // "*"
  bool operator==(const Value&) const = default;
};

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIsNull, kIsTrue, kIsFalse, kNotExists };
const char* OpText(Op op);  // "=", "!=", ..., "IS NULL", "NOT EXISTS"
inline bool HasValue(Op op) { return op <= Op::kGe; }
// `x op y` for the comparison operators; false for the keyword tests.
inline bool NumbersCompare(Op op, double x, double y) {
  switch (op) {
    case Op::kEq: return x == y;
    case Op::kNe: return x != y;
    case Op::kLt: return x < y;
    case Op::kLe: return x <= y;
    case Op::kGt: return x > y;
    case Op::kGe: return x >= y;
    default: return false;
  }
}

// One step of a JSON selector.
struct Step {
  enum class Type { kMember, kIndex, kAnyMember, kAnyIndex };
  Type type = Type::kMember;
  std::string key;     // kMember
  uint32_t index = 0;  // kIndex
  bool IsWildcard() const { return type == Type::kAnyMember || type == Type::kAnyIndex; }
  bool operator==(const Step&) const = default;
};

struct Selector {
  std::vector<Step> steps;  // never empty
  bool HasWildcard() const;
  bool operator==(const Selector&) const = default;
};

// A condition of a JSON pattern: `selector op value`, or a keyword test.
struct Atom {
  Selector selector;
  Op op = Op::kEq;
  Value value;          // meaningful when HasValue(op)
  uint32_t offset = 0;  // byte offset of the selector in the source, for messages
  bool operator==(const Atom&) const = default;
};

// A JSON pattern's condition tree. kAnd/kOr have two or more children.
struct Expr {
  enum class Type { kAtom, kAnd, kOr };
  Type type = Type::kAtom;
  Atom atom;                   // kAtom
  std::vector<Expr> children;  // kAnd, kOr
  bool operator==(const Expr&) const = default;
};

// A term of an unstructured pattern.
struct Term {
  enum class Mod { kInclude, kOptional /* ? */, kExclude /* - */ };
  Mod mod = Mod::kInclude;
  bool is_regex = false;
  bool quoted = false;
  std::string text;  // the phrase with escapes resolved, or the regex source
  Regex regex;       // when is_regex
  // True for "" and all-whitespace phrases, which occur in every event.
  bool IsBlank() const;
  bool operator==(const Term&) const = default;
};

// One condition of a delimited field: `field op value` (op is a comparison, never a keyword).
struct FieldAtom {
  Op op = Op::kEq;
  Value value;
  bool operator==(const FieldAtom&) const = default;
};

struct Field {
  enum class Type { kEllipsis, kNamed, kUnnamed };
  Type type = Type::kUnnamed;
  std::string name;  // kNamed
  // The condition as written: any_of[i] is a conjunction; empty = unconstrained.
  std::vector<std::vector<FieldAtom>> any_of;
  bool Constrained() const { return !any_of.empty(); }
  bool operator==(const Field&) const = default;
};

struct Pattern {
  Kind kind = Kind::kMatchAll;
  std::vector<Term> terms;    // kTerm
  Expr json;                  // kJson
  std::vector<Field> fields;  // kDelimited
  bool operator==(const Pattern&) const = default;
};

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_AST_H_
