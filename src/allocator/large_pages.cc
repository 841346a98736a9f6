// Compiled into each program that links `vigil_allocator` (mimalloc): mimalloc backs its memory
// with 2 MiB pages where the kernel gives them (transparent huge pages, which Debian grants on
// request: "madvise"). Without them, the results and evidence of a 100,000-entity evaluation cost
// some 9,000 page faults on top of the DOM's memory (which inventory.cc advises itself), a
// quarter of the bench's simple-rule evaluation: 10,022 -> 760 faults for the whole process,
// evaluation 0.037-0.040 s -> 0.027-0.030 s on one core (bench/README.md). The environment still
// decides when it names the option: MIMALLOC_LARGE_OS_PAGES=0 turns this off.
#include <string_view>

#include <mimalloc.h>

namespace {

// Runs from the executable's .preinit_array, before any library's initialiser. mimalloc reads
// its options when it starts, and memory it maps before a later change stays on small pages (set
// from a constructor instead, the option saved only 2,400 of the 9,300 faults). The environment
// comes as the argument: libc's `environ` is not set up this early.
void UseLargePages(int, char**, char** envp) {
  constexpr std::string_view kName = "MIMALLOC_LARGE_OS_PAGES=";
  for (char** e = envp; e && *e; ++e) {
    if (std::string_view(*e).substr(0, kName.size()) == kName) return;  // mimalloc reads it
  }
  mi_option_set(mi_option_large_os_pages, 1);
}

[[gnu::section(".preinit_array"), gnu::used]] void (*const kUseLargePages)(int, char**, char**) =
    &UseLargePages;

}  // namespace
