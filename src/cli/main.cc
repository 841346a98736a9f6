// vigil: a cloud compliance engine. See README.md.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"vigil: judge CloudWatch Logs filter patterns and cloud monitoring rules by meaning"};
  app.set_version_flag("--version", std::string("vigil 0.1.0"));
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 a check does not hold, 2 invalid input or usage, 3 undecided.\n"
      "A pattern that starts with '-' must follow '--': vigil pattern test -- -DEBUG 'msg'");
  int exit_code = vigil::cli::kExitOk;
  vigil::cli::RegisterPattern(app, &exit_code);
  vigil::cli::RegisterGsl(app, &exit_code);
  vigil::cli::RegisterScan(app, &exit_code);
  vigil::cli::RegisterFix(app, &exit_code);
  vigil::cli::RegisterReplay(app, &exit_code);
  vigil::cli::RegisterCollect(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a.size() > 1 && a[0] == '-' && a[1] != '-' && a != "-h") {
        std::fprintf(stderr,
                     "hint: a pattern or message that starts with '-' must follow '--', as in: "
                     "vigil pattern test -- %s ...\n",
                     a.c_str());
        break;
      }
    }
    std::fprintf(stderr, "Run with --help for usage.\n");
    return vigil::cli::kExitInvalid;
  }
  return exit_code;
}
