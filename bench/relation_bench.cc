// Benchmark of the filter-pattern decision procedures (vigil pattern equal|covers|compare).
//
// Decides equality and coverage between every pair of the 15 CIS monitoring patterns, and
// between the CIS 4.9 pattern and the variants users write, and reports the time per decision
// (median and worst) next to the peer: the textual comparison other tools make (whitespace
// removed, then string equality), measured in the same run on the same pairs.
//
// Usage: relation_bench [testdata/pattern/cis-patterns.tsv] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "pattern/parser.h"
#include "pattern/relation.h"

using namespace vigil::pattern;
using Clock = std::chrono::steady_clock;

namespace {

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
  }
  return out;
}

struct Stats {
  std::vector<double> us;
  double Median() {
    std::sort(us.begin(), us.end());
    return us.empty() ? 0 : us[us.size() / 2];
  }
  double Max() { return us.empty() ? 0 : *std::max_element(us.begin(), us.end()); }
  double Sum() {
    double s = 0;
    for (double x : us) s += x;
    return s;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : "testdata/pattern/cis-patterns.tsv";
  int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "relation_bench: cannot open %s\n", path.c_str());
    return 2;
  }
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) texts.push_back(line.substr(tab + 1));
  }
  std::string cis49;
  for (const auto& t : texts) {
    if (t.find("config.amazonaws.com") != std::string::npos) cis49 = t;
  }
  // Variants of 4.9 (see tests/pattern/relation_test.cc).
  std::vector<std::string> variants = {
      "{($.eventSource=config.amazonaws.com)&&(($.eventName=StopConfigurationRecorder)||($.eventName="
      "DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName="
      "PutConfigurationRecorder))}",
      "{ $.eventSource = config.amazonaws.com }",
      "{ ($.eventSource = config.amazonaws.com) && (($.eventName = Put*) || "
      "($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel)) }",
      "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
      "($.eventName=DeleteDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
      "{ ($.eventSource = config.amazonaws.com) && ($.eventName=StopConfigurationRecorder) && "
      "($.eventName=PutDeliveryChannel) }",
  };
  std::vector<Pattern> cis, var;
  for (const auto& t : texts) cis.push_back(*Parse(t).pattern);
  for (const auto& t : variants) var.push_back(*Parse(t).pattern);
  Pattern ref = *Parse(cis49).pattern;

  Stats covers, equal, compare, textual;
  size_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < cis.size(); ++i) {
      for (size_t j = 0; j < cis.size(); ++j) {
        auto t0 = Clock::now();
        Found f = Covers(cis[i], cis[j]);
        auto t1 = Clock::now();
        sink += static_cast<size_t>(f.exists);
        covers.us.push_back(Micros(t1 - t0));
        auto t2 = Clock::now();
        bool same = Squeeze(texts[i]) == Squeeze(texts[j]);
        auto t3 = Clock::now();
        sink += same;
        textual.us.push_back(Micros(t3 - t2));
      }
    }
    for (const Pattern& v : var) {
      auto t0 = Clock::now();
      Comparison c = Compare(v, ref);
      auto t1 = Clock::now();
      sink += static_cast<size_t>(c.relation);
      compare.us.push_back(Micros(t1 - t0));
      auto t2 = Clock::now();
      Found a = Covers(v, ref), b = Covers(ref, v);
      auto t3 = Clock::now();
      sink += static_cast<size_t>(a.exists) + static_cast<size_t>(b.exists);
      equal.us.push_back(Micros(t3 - t2));
    }
  }
  std::printf("decisions per kind: %zu covers (15x15 CIS pairs x %d rounds), %zu equal and %zu "
              "compare (4.9 variants)\n",
              covers.us.size(), rounds, equal.us.size(), compare.us.size());
  std::printf("%-34s %12s %12s\n", "", "median us", "worst us");
  std::printf("%-34s %12.1f %12.1f\n", "covers, CIS x CIS", covers.Median(), covers.Max());
  std::printf("%-34s %12.1f %12.1f\n", "equal (both ways), 4.9 variants", equal.Median(),
              equal.Max());
  std::printf("%-34s %12.1f %12.1f\n", "compare (relation), 4.9 variants", compare.Median(),
              compare.Max());
  std::printf("%-34s %12.2f %12.2f\n", "peer: textual equality", textual.Median(), textual.Max());
  std::printf("ratio covers/textual (median): %.0fx slower than comparing text, and right\n",
              covers.Median() / std::max(textual.Median(), 1e-3));
  return sink == 0xFFFFFFFF ? 1 : 0;
}
