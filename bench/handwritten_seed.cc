// The peer for bench/pattern_bench.sh: a hand-written simdjson On-Demand program specialised to
// the seed rule's filter pattern (D9.AWS.MON.09 / CIS 4.9),
//
//   {($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||
//    ($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||
//    ($.eventName=PutConfigurationRecorder))}
//
// It is the straightforward fast program a skilled engineer would write for that one pattern,
// and so the practical limit for a general engine: read the file in large chunks, split lines,
// parse each line with On-Demand in place (no copy), look up the two members, compare, count.
// No prefilter: every line is parsed. It prints the number of matching events.
//
// Semantics kept equal to the pattern's (filter-patterns.md §3.3) on the cases that occur in
// CloudTrail: a member must be a JSON string equal to the value after unescaping; a line that is
// not a JSON object, or where a member is missing or not a string, does not match. (Unlike vigil
// it does not validate the rest of a matching line; the corpus is valid JSON.)
//
// Build (the benchmark script does this):
//   g++ -O3 -march=native -std=c++20 bench/handwritten_seed.cc -lsimdjson -o handwritten_seed
// With -march=native, simdjson's `builtin` On-Demand kernel (the header code inlined here:
// iteration, string and number parsing) is the best one for this CPU. Stage 1 of each parse (the
// SIMD structural index of the line) is not in the header: the On-Demand parser takes it from
// libsimdjson's run-time choice, get_active_implementation(), whatever -march says; setting
// SIMDJSON_FORCE_IMPLEMENTATION=fallback in the environment makes stage 1 scalar too.
//
// Usage: handwritten_seed FILE        prints the count
//        handwritten_seed --kernels   prints the kernels in use (see PrintKernels)
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace {

namespace od = simdjson::builtin::ondemand;

#define VIGIL_STR2(x) #x
#define VIGIL_STR(x) VIGIL_STR2(x)
// The kernel the header-only On-Demand code below was compiled for (follows -march).
constexpr const char* kOnDemandKernel = VIGIL_STR(SIMDJSON_BUILTIN_IMPLEMENTATION);

constexpr size_t kChunk = size_t{4} << 20;  // bytes read per fread; a line may be longer

bool IsSeedEvent(od::parser& parser, const char* line, size_t len, size_t capacity) {
  auto doc = parser.iterate(line, len, capacity);
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  std::string_view source;
  if (obj["eventSource"].get_string().get(source) || source != "config.amazonaws.com") {
    return false;
  }
  std::string_view name;
  if (obj["eventName"].get_string().get(name)) return false;
  return name == "StopConfigurationRecorder" || name == "DeleteDeliveryChannel" ||
         name == "PutDeliveryChannel" || name == "PutConfigurationRecorder";
}

// ondemand=<kernel of the inlined On-Demand code> stage1=<libsimdjson's run-time choice, which
// SIMDJSON_FORCE_IMPLEMENTATION overrides> cpu_best=<best kernel this CPU supports>.
void PrintKernels() {
  // Not simdjson::builtin_implementation(): that function lives in libsimdjson.so and names
  // the kernel the *library* was compiled with (fallback for Debian's baseline build).
  std::string best = "fallback";
  for (const simdjson::implementation* impl : simdjson::get_available_implementations()) {
    if (impl->supported_by_runtime_system()) {  // listed best first
      best = impl->name();
      break;
    }
  }
  std::printf("ondemand=%s stage1=%s cpu_best=%s\n", kOnDemandKernel,
              simdjson::get_active_implementation()->name().c_str(), best.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--kernels") == 0) {
    PrintKernels();
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE | --kernels\n", argv[0]);
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (!f) {
    std::perror(argv[1]);
    return 2;
  }

  // buf holds [carried-over partial line][new chunk] followed by SIMDJSON_PADDING readable bytes,
  // so every line in it can be parsed in place.
  size_t cap = kChunk;
  std::unique_ptr<char[]> buf(new char[cap + simdjson::SIMDJSON_PADDING]);
  size_t have = 0;  // bytes of data in buf
  od::parser parser;
  unsigned long long count = 0;
  bool eof = false;
  while (!eof) {
    if (cap - have < kChunk / 2) {  // a very long line: grow so that a chunk still fits
      size_t ncap = cap * 2;
      std::unique_ptr<char[]> nbuf(new char[ncap + simdjson::SIMDJSON_PADDING]);
      std::memcpy(nbuf.get(), buf.get(), have);
      buf = std::move(nbuf);
      cap = ncap;
    }
    size_t n = std::fread(buf.get() + have, 1, cap - have, f);
    if (n == 0) {
      if (std::ferror(f)) {
        std::perror(argv[1]);
        return 2;
      }
      eof = true;
    }
    have += n;
    const char* p = buf.get();
    const char* end = p + have;
    const size_t slack_end = cap + simdjson::SIMDJSON_PADDING;  // readable bytes from buf.get()
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!nl) {
        if (!eof) break;  // partial line: carry it over
        nl = end;         // last line without a newline
      }
      size_t len = nl - p;
      if (len != 0) {
        size_t capacity = slack_end - (p - buf.get());
        if (IsSeedEvent(parser, p, len, capacity)) ++count;
      }
      p = nl + (nl < end ? 1 : 0);
    }
    have = end - p;
    std::memmove(buf.get(), p, have);
  }
  std::fclose(f);
  std::printf("%llu\n", count);
  return 0;
}
