// Minimal helpers to write JSON text. Output is always valid UTF-8: bytes that are not valid
// UTF-8 in the input are written as U+FFFD.
#ifndef VIGIL_BASE_JSON_WRITER_H_
#define VIGIL_BASE_JSON_WRITER_H_

#include <string>
#include <string_view>

namespace vigil {

// Appends `s` as a JSON string literal (with the quotes) to `out`.
void AppendJsonString(std::string& out, std::string_view s);
std::string JsonString(std::string_view s);
// The same for text known to be valid UTF-8 (a parsed JSON document's strings): no check.
void AppendValidUtf8JsonString(std::string& out, std::string_view s);

}  // namespace vigil

#endif  // VIGIL_BASE_JSON_WRITER_H_
