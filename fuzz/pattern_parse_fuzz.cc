// Fuzzes the filter-pattern parser: any input either parses (and then compiles and is printed)
// or yields a diagnostic whose column lies within the pattern. Never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pattern/matcher.h"
#include "pattern/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::pattern::ParseResult r = vigil::pattern::Parse(text);
  if (!r.ok()) {
    if (r.error.message.empty() || r.error.offset > text.size()) std::abort();
    (void)vigil::pattern::FormatDiagnostic(text, r.error);
    return 0;
  }
  auto cp = vigil::pattern::CompiledPattern::Compile(*r.pattern);
  (void)cp;
  return 0;
}
