// Fuzzes matching: the input is a pattern, a newline, then an event message. Valid patterns are
// matched (and values extracted) against the message; the compiled-pattern result must agree
// between the padded and the copying entry points.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pattern/matcher.h"
#include "pattern/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  vigil::pattern::ParseResult r = vigil::pattern::Parse(in.substr(0, nl));
  if (!r.ok()) return 0;
  auto cp = vigil::pattern::CompiledPattern::Compile(*r.pattern);
  if (!cp.ok()) return 0;
  static vigil::pattern::MatchContext ctx;
  std::string msg(in.substr(nl + 1));
  bool a = (*cp)->Matches(msg, ctx);
  std::string padded = msg + std::string(64, '\0');
  bool b = (*cp)->MatchesPadded(std::string_view(padded.data(), msg.size()), ctx);
  if (a != b) std::abort();
  if (a) (void)(*cp)->Extract(msg, ctx);
  return 0;
}
