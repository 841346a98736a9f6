// Files bundled into the binary at build time (cmake/embed.cmake): the rulesets of rules/ and the
// demo account of testdata/demo/.
#ifndef VIGIL_RULES_EMBEDDED_H_
#define VIGIL_RULES_EMBEDDED_H_

#include <cstddef>
#include <string_view>
#include <vector>

namespace vigil::embedded {

struct File {
  const char* name;  // base name, e.g. "vigil-aws-cis.json"
  const char* data;
  size_t size;
  std::string_view text() const { return {data, size}; }
};

const std::vector<File>& All();

inline const File* Find(std::string_view name) {
  for (const File& f : All()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace vigil::embedded

#endif  // VIGIL_RULES_EMBEDDED_H_
