// Subcommands of the vigil CLI. Each Register* adds a subcommand to the app and arranges for
// `*exit_code` to be set when it runs. The CLI is thin: all logic lives in the libraries.
#ifndef VIGIL_CLI_COMMANDS_H_
#define VIGIL_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace vigil::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;   // the check ran and something does not hold
inline constexpr int kExitInvalid = 2;  // invalid input or usage
inline constexpr int kExitUnknown = 3;  // could not be decided

void RegisterPattern(CLI::App& app, int* exit_code);
void RegisterGsl(CLI::App& app, int* exit_code);
void RegisterScan(CLI::App& app, int* exit_code);
void RegisterFix(CLI::App& app, int* exit_code);
void RegisterReplay(CLI::App& app, int* exit_code);
void RegisterCollect(CLI::App& app, int* exit_code);

}  // namespace vigil::cli

#endif  // VIGIL_CLI_COMMANDS_H_
