// The standard credential chain of the AWS SDKs (aws-api.md §8.2-8.3): environment, assume
// role, web identity, SSO, the shared files, credential_process, container and EC2 instance
// metadata. The first provider that is configured is the one used; a configured provider that
// fails is an error, never a fall-through to the next.
#ifndef VIGIL_AWS_CREDENTIAL_CHAIN_H_
#define VIGIL_AWS_CREDENTIAL_CHAIN_H_

#include <memory>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/credentials.h"

namespace vigil::aws {

struct ChainOptions {
  std::string mfa_token_code;  // for profiles with mfa_serial (vigil never prompts)
  TransportOptions transport;  // for STS, container and instance metadata calls
  double backoff_scale = 1.0;
};

// Picks the provider for `config`'s profile. Errors name the profile and what is missing or
// wrong; no secret is ever part of a message. `config` must outlive the provider.
StatusOr<std::unique_ptr<CredentialProvider>> ResolveCredentialChain(const AwsConfig& config,
                                                                     const ChainOptions& options);

// Splits a command line as a POSIX shell would (quotes, backslashes), without expansions.
StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view line);

// Epoch seconds of an ISO-8601 timestamp as credential sources write it ("2026-11-27T10:00:00Z",
// with a fraction or an offset; the AWS CLI's older SSO cache writes "...UTC"): base's
// ParseIsoTime, the fraction dropped.
std::optional<std::time_t> ParseIsoTime(std::string_view s);

}  // namespace vigil::aws

#endif  // VIGIL_AWS_CREDENTIAL_CHAIN_H_
