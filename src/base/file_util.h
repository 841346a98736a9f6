// Writing files so that readers never see half of one.
#ifndef VIGIL_BASE_FILE_UTIL_H_
#define VIGIL_BASE_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil {

// Writes `content` to a temporary file beside `path`, flushes it, then renames it over `path`:
// an interrupted write leaves the old file (or none), never a partial one.
Status WriteFileAtomic(const std::string& path, std::string_view content);

}  // namespace vigil

#endif  // VIGIL_BASE_FILE_UTIL_H_
