// The JSON walk built for simdjson's "haswell" On-Demand kernel.
//
// This file is compiled with the kernel's instruction-set flags (src/pattern/CMakeLists.txt),
// which makes haswell simdjson's built-in On-Demand implementation here, into a shared library of
// its own with hidden visibility: inline functions and templates compiled for haswell stay
// inside it, so the linker can never pick them for code that runs on any CPU.
#include <simdjson.h>

#include <re2/re2.h>

#include "base/text.h"
#include "pattern/json_program.h"

#if !SIMDJSON_CAN_ALWAYS_RUN_HASWELL
#error "json_kernel_haswell.cc must be compiled with the haswell instruction-set flags"
#endif

namespace vigil::pattern {
namespace {
namespace od = simdjson::haswell::ondemand;
constexpr const char* kKernelName = "haswell";
#include "pattern/json_kernel.inc"
}  // namespace

__attribute__((visibility("default"))) std::unique_ptr<JsonKernel> MakeHaswellKernel(
    size_t max_depth) {
  return std::make_unique<Kernel>(max_depth);
}
}  // namespace vigil::pattern
