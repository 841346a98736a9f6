#include "base/json_writer.h"

#include <cstdio>

#include "base/text.h"

namespace vigil {

namespace {

void AppendEscapedValid(std::string& out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", c);
        out += b;
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (;;) {
    size_t bad = FirstInvalidUtf8(s);
    if (bad == std::string_view::npos) {
      AppendEscapedValid(out, s);
      break;
    }
    AppendEscapedValid(out, s.substr(0, bad));
    out += "\xEF\xBF\xBD";
    s.remove_prefix(bad + 1);
  }
  out += '"';
}

void AppendValidUtf8JsonString(std::string& out, std::string_view s) {
  out += '"';
  AppendEscapedValid(out, s);
  out += '"';
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

}  // namespace vigil
