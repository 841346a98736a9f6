// Scan results rendered as the reports people use: a terminal table, JSON (a documented, stable
// schema: docs/report-json.md), CSV, JUnit XML, SARIF 2.1.0 and one self-contained HTML page. Rendering is pure: it builds the
// whole text, which the CLI then writes atomically.
#ifndef VIGIL_REPORT_REPORT_H_
#define VIGIL_REPORT_REPORT_H_

#include <string>

#include "rules/scan.h"

namespace vigil::report {

enum class Format { kTable, kJson, kCsv, kJunit, kSarif, kHtml };
bool ParseFormat(const std::string& name, Format* out);

struct RenderOptions {
  bool color = false;        // ANSI colours (table)
  bool verbose = false;      // table: list passed findings too
  std::string tool_version = "0.1.0";
};

std::string Render(const rules::ScanResult& scan, Format format, const RenderOptions& options);

}  // namespace vigil::report

#endif  // VIGIL_REPORT_REPORT_H_
