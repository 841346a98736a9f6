#include "pattern/printer.h"

#include "base/text.h"

namespace vigil::pattern {

namespace {
bool IsPlainName(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void AppendQuoted(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}
}  // namespace

std::string PrintSelector(const Selector& sel) {
  std::string out = "$";
  for (const Step& st : sel.steps) {
    switch (st.type) {
      case Step::Type::kMember:
        if (IsPlainName(st.key)) {
          out += '.';
          out += st.key;
        } else {
          out += (&st == &sel.steps.front()) ? ".['" : "['";
          out += st.key;
          out += "']";
        }
        break;
      case Step::Type::kIndex:
        out += '[' + std::to_string(st.index) + ']';
        break;
      case Step::Type::kAnyMember:
        out += ".*";
        break;
      case Step::Type::kAnyIndex:
        out += "[*]";
        break;
    }
  }
  return out;
}

std::string PrintValue(const Value& v) {
  std::string out;
  switch (v.type) {
    case Value::Type::kString:
      AppendQuoted(out, v.text);
      break;
    case Value::Type::kGlob:
      AppendQuoted(out, std::string(v.star_start ? "*" : "") + v.text +
                            (v.star_end && !(v.text.empty() && v.star_start) ? "*" : ""));
      break;
    case Value::Type::kRegex:
      out = "%" + v.text + "%";
      break;
    case Value::Type::kNumber:
      out = FormatNumber(v.number);
      break;
  }
  return out;
}

}  // namespace vigil::pattern
