// AWS credentials and the interface of a credential provider. The providers themselves and the
// chain that picks one (aws-api.md §8.2-8.3) are in credential_chain.h.
#ifndef VIGIL_AWS_CREDENTIALS_H_
#define VIGIL_AWS_CREDENTIALS_H_

#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"

namespace vigil::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;         // empty for long-term keys
  std::optional<std::time_t> expiration;  // absent: never expires
  std::string provider;              // which provider supplied them, e.g. "environment"

  // The key id with all but its last 4 characters masked, for messages.
  std::string MaskedKeyId() const;
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // Fresh credentials, or an error naming the provider and what went wrong (never a secret).
  virtual StatusOr<Credentials> Fetch() = 0;
  // "environment", "profile prod (assume role arn:...)", ... for messages and the collection
  // record.
  virtual std::string Describe() const = 0;
};

// Caches a provider's credentials and refreshes them when fewer than 15 minutes remain (and
// always at 10): once, shared by every thread. Thread-safe.
class CredentialCache {
 public:
  explicit CredentialCache(std::unique_ptr<CredentialProvider> provider);

  // `now` is injectable for tests.
  StatusOr<Credentials> Get(std::time_t now);
  // Drops the cached credentials so that the next Get fetches (after ExpiredToken).
  void Invalidate();
  std::string Describe() const { return provider_->Describe(); }

 private:
  std::unique_ptr<CredentialProvider> provider_;
  std::mutex mu_;
  std::optional<Credentials> cached_;
  std::time_t fetched_at_ = 0;
};

}  // namespace vigil::aws

#endif  // VIGIL_AWS_CREDENTIALS_H_
