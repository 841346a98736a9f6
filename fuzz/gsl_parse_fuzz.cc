// Fuzzes the GSL front end: any input either parses (then prints as an S-expression and plans,
// compiling its regexes and filter patterns) or yields a diagnostic with a message and a position
// inside the input. Planning a rule that parsed either succeeds or yields such a diagnostic too.
// Never a crash, a hang or a stack overflow (nesting is bounded by ParseOptions::max_depth).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gsl/ast.h"
#include "gsl/eval.h"
#include "gsl/parser.h"

namespace {

void CheckDiagnostic(std::string_view text, const vigil::gsl::Diagnostic& d) {
  if (d.message.empty() || d.offset > text.size()) std::abort();
  if (d.line < 1 || d.column < 1) std::abort();
  // line and column describe the offset.
  size_t line = 1;
  for (size_t i = 0; i < d.offset; ++i) line += text[i] == '\n';
  if (d.line != line) std::abort();
  (void)vigil::gsl::FormatDiagnostic("fuzz", text, d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::gsl::ParseResult parsed = vigil::gsl::ParseRule(text);
  vigil::gsl::PlanResult plan = vigil::gsl::Plan(text);
  if (!parsed.ok()) {
    CheckDiagnostic(text, parsed.error);
    // Plan parses first, so it must reject the input the same way.
    if (plan.ok() || plan.error.offset != parsed.error.offset ||
        plan.error.message != parsed.error.message) {
      std::abort();
    }
    return 0;
  }
  std::string sexpr = vigil::gsl::ToSExpr(*parsed.rule);
  if (sexpr.empty()) std::abort();
  if (!plan.ok()) {
    CheckDiagnostic(text, plan.error);
  } else if (plan.program->rule().event_query != parsed.rule->event_query) {
    std::abort();
  }
  return 0;
}
