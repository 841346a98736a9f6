// The JSON walk built for simdjson's portable "fallback" kernel, and the run-time choice among
// the kernels.
//
// simdjson 3.0 selects its On-Demand kernel when the *calling* code is compiled: code built for
// baseline x86-64 gets the portable "fallback" kernel. The walk is therefore built several
// times: here for the baseline, and in json_kernel_<name>.cc with each kernel's flags (each in
// a shared library of its own, see CMakeLists.txt). MakeJsonKernel() picks the best one this
// CPU supports, using simdjson's CPU detection.
#include <cstdlib>
#include <cstring>

#include <re2/re2.h>
#include <simdjson.h>

#include "base/text.h"
#include "pattern/json_program.h"

namespace vigil::pattern {
namespace {
namespace od = simdjson::builtin::ondemand;
constexpr const char* kKernelName = "fallback";
#include "pattern/json_kernel.inc"

}  // namespace

// Defined in the kernel libraries, on x86-64 only.
#if defined(__x86_64__)
std::unique_ptr<JsonKernel> MakeIcelakeKernel(size_t max_depth);
std::unique_ptr<JsonKernel> MakeHaswellKernel(size_t max_depth);
std::unique_ptr<JsonKernel> MakeWestmereKernel(size_t max_depth);
#endif
std::unique_ptr<JsonKernel> MakeFallbackKernel(size_t max_depth);

namespace {

bool Supported(const char* name) {
  const simdjson::implementation* impl = simdjson::get_available_implementations()[name];
  return impl && impl->supported_by_runtime_system();
}

std::unique_ptr<JsonKernel> Make(std::string_view name, size_t max_depth) {
#if defined(__x86_64__)
  if (name == "icelake") return MakeIcelakeKernel(max_depth);
  if (name == "haswell") return MakeHaswellKernel(max_depth);
  if (name == "westmere") return MakeWestmereKernel(max_depth);
#endif
  if (name == "fallback") return MakeFallbackKernel(max_depth);
  return nullptr;
}

const char* ChooseKernel() {
  const char* forced = std::getenv("VIGIL_JSON_KERNEL");
  if (forced && *forced) {
    for (const char* k : {"icelake", "haswell", "westmere", "fallback"}) {
      if (std::strcmp(forced, k) == 0 && (std::strcmp(k, "fallback") == 0 || Supported(k)) &&
          Make(k, 8)) {
        return k;
      }
    }
  }
  for (const char* k : {"icelake", "haswell", "westmere"}) {
    if (Supported(k) && Make(k, 8)) return k;
  }
  return "fallback";
}
}  // namespace

std::unique_ptr<JsonKernel> MakeFallbackKernel(size_t max_depth) {
  return std::make_unique<Kernel>(max_depth);
}

const char* BestJsonKernelName() {
  static const char* name = ChooseKernel();
  return name;
}

std::unique_ptr<JsonKernel> MakeJsonKernel(size_t max_depth) {
  return Make(BestJsonKernelName(), max_depth);
}

}  // namespace vigil::pattern
