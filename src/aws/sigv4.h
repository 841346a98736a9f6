// AWS Signature Version 4 (AWS4-HMAC-SHA256) for request headers and presigned URLs
// (shared/docs/aws-api.md §7). Reproduces the AWS 2015 suite and the aws-c-auth v4 vectors.
#ifndef VIGIL_AWS_SIGV4_H_
#define VIGIL_AWS_SIGV4_H_

#include <ctime>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http.h"

namespace vigil::aws {

struct SigningParams {
  std::string region;
  std::string service;  // the signing name, e.g. "monitoring", not "cloudwatch"
  std::time_t time = 0;  // seconds since the epoch, UTC
  bool normalize_path = true;  // resolve "." and "..", collapse "//" (every service but S3)
  bool sign_body = false;      // add and sign x-amz-content-sha256 (S3 style)
  bool omit_session_token = false;  // add X-Amz-Security-Token after signing (legacy services)
  long expires_seconds = 3600;      // NOLINT(runtime/int): presigned URLs only
};

// What a signature was computed from; the tests compare each part with the vectors.
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header value (header signing only)
};

// Signs `request` in place: adds X-Amz-Date (and x-amz-content-sha256, X-Amz-Security-Token
// as the params and credentials say) and the Authorization header. `request` must carry a Host
// header. Returns what was signed.
SignatureParts SignHeaders(HttpRequest& request, const Credentials& credentials,
                           const SigningParams& params);

// Presigns `request`: adds the X-Amz-* query parameters and X-Amz-Signature.
SignatureParts Presign(HttpRequest& request, const Credentials& credentials,
                       const SigningParams& params);

// Building blocks, exposed for tests and for the loopback test tools.
std::string Sha256Hex(std::string_view data);
std::string AmzDate(std::time_t time);  // YYYYMMDD'T'HHMMSS'Z'
std::string CanonicalPath(std::string_view decoded_path, bool normalize);

}  // namespace vigil::aws

#endif  // VIGIL_AWS_SIGV4_H_
