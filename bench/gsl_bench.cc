// Benchmark of the GSL engine: load an inventory, plan rules, evaluate them.
//
// Prints, for the rules of RULES_FILE (one per line) over INVENTORY: the time to load the
// inventory, to evaluate all rules, entity x rule evaluations per second, and each rule's failed
// count (one per line, for the cross-check with jq in bench/gsl_bench.sh). With CORPUS_TSV it
// also times parsing and planning every rule of that corpus.
//
// usage: gsl_bench INVENTORY RULES_FILE [CORPUS_TSV] [--now EPOCH] [--jobs N] [--per-rule]
// The rules are evaluated as a scan does (gsl::EvaluateMany) on N threads (default 1; 0: one per
// processor); --per-rule evaluates them one by one instead and adds each one's time (results freed
// included).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gsl/eval.h"
#include "gsl/inventory.h"

using Clock = std::chrono::steady_clock;

static double Secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gsl_bench INVENTORY RULES_FILE [CORPUS_TSV] [--now EPOCH]\n");
    return 2;
  }
  std::string corpus;
  bool per_rule = false;
  int jobs = 1;
  double now = 1795737600;  // 2026-11-27T00:00:00Z
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--now" && i + 1 < argc) {
      now = std::stod(argv[++i]);
    } else if (a == "--jobs" && i + 1 < argc) {
      char* end = nullptr;
      long n = std::strtol(argv[++i], &end, 10);  // NOLINT(runtime/int)
      if (*argv[i] == '\0' || *end != '\0' || n < 0 || n > 1024) {
        std::fprintf(stderr, "gsl_bench: --jobs: expected a number from 0 to 1024, got '%s'\n",
                     argv[i]);
        return 2;
      }
      jobs = static_cast<int>(n);
    } else if (a == "--per-rule") {
      per_rule = true;
    } else {
      corpus = a;
    }
  }
  std::vector<std::string> rules;
  {
    std::ifstream in(argv[2]);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != '#') rules.push_back(line);
    }
  }
  if (!corpus.empty()) {
    std::ifstream in(corpus);
    std::string line;
    std::vector<std::string> texts;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      size_t a = 0;
      for (int k = 0; k < 3; ++k) a = line.find('\t', a) + 1;
      size_t b = line.find('\t', a);
      texts.push_back(line.substr(a, b - a));
    }
    auto t0 = Clock::now();
    size_t ok = 0;
    for (const auto& t : texts) ok += vigil::gsl::Plan(t).ok();
    double s = Secs(Clock::now() - t0);
    std::printf("corpus: parsed and planned %zu rules (%zu valid) in %.2f ms\n", texts.size(), ok,
                s * 1e3);
  }
  auto t0 = Clock::now();
  auto inv = vigil::gsl::Inventory::Load(argv[1]);
  if (!inv.ok()) {
    std::fprintf(stderr, "gsl_bench: %s\n", inv.status().message().c_str());
    return 2;
  }
  double load = Secs(Clock::now() - t0);
  std::vector<std::shared_ptr<const vigil::gsl::Program>> programs;
  for (const auto& r : rules) {
    auto p = vigil::gsl::Plan(r);
    if (!p.ok()) {
      std::fprintf(stderr, "gsl_bench: rule does not plan: %s\n", r.c_str());
      return 2;
    }
    programs.push_back(p.program);
  }
  vigil::gsl::EvalOptions eo;
  eo.now = now;
  auto t1 = Clock::now();
  size_t evaluations = 0;
  std::vector<size_t> failed;
  std::vector<double> rule_secs;
  auto count = [&](const vigil::gsl::Program& p, const std::vector<vigil::gsl::Result>& results) {
    size_t f = 0;
    for (const auto& r : results) f += r.status == vigil::gsl::Status::kFailed;
    failed.push_back(f);
    evaluations += p.rule().list_target ? (*inv)->Infos(p.rule().entity_type).size()
                                        : results.size();
  };
  if (per_rule) {
    for (const auto& p : programs) {
      auto r0 = Clock::now();
      auto results = vigil::gsl::Evaluate(*p, **inv, eo);
      count(*p, results);
      results.clear();
      rule_secs.push_back(Secs(Clock::now() - r0));
    }
  } else {
    // As a scan evaluates its rules (rules::Scan): EvaluateMany, on `jobs` threads.
    std::vector<const vigil::gsl::Program*> ps;
    for (const auto& p : programs) ps.push_back(p.get());
    auto all = vigil::gsl::EvaluateMany(ps, **inv, eo, jobs);
    for (size_t i = 0; i < ps.size(); ++i) count(*ps[i], all[i]);
  }
  double eval = Secs(Clock::now() - t1);
  std::printf("inventory: %zu entities, loaded in %.3f s\n", (*inv)->EntityCount(), load);
  std::printf("evaluated %zu rules: %zu entity x rule evaluations in %.3f s (%.0f per second)\n",
              programs.size(), evaluations, eval, evaluations / eval);
  std::printf("total (load + evaluate): %.3f s\n", load + eval);
  for (size_t f : failed) std::printf("failed %zu\n", f);
  if (per_rule) {
    for (size_t i = 0; i < rules.size(); ++i) {
      std::printf("rule %6.2f ms  %.70s\n", rule_secs[i] * 1e3, rules[i].c_str());
    }
  }
  return 0;
}
