#include "aws/credentials.h"

namespace vigil::aws {

std::string Credentials::MaskedKeyId() const {
  if (access_key_id.size() <= 4) return std::string(access_key_id.size(), '*');
  return std::string(access_key_id.size() - 4, '*') +
         access_key_id.substr(access_key_id.size() - 4);
}

CredentialCache::CredentialCache(std::unique_ptr<CredentialProvider> provider)
    : provider_(std::move(provider)) {}

StatusOr<Credentials> CredentialCache::Get(std::time_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  // Refresh when fewer than 15 minutes remain. Credentials that arrive with less than that
  // left (some container endpoints hand them out) are not fetched again for every request:
  // between 15 and 10 minutes, at most once a minute.
  if (cached_ && cached_->expiration) {
    long left = static_cast<long>(*cached_->expiration - now);  // NOLINT(runtime/int)
    bool due = left < 10 * 60 || (left < 15 * 60 && now - fetched_at_ >= 60);
    if (!due) return *cached_;
  } else if (cached_) {
    return *cached_;
  }
  StatusOr<Credentials> fresh = provider_->Fetch();
  if (!fresh.ok()) {
    // Keep using unexpired credentials when a refresh fails; the error surfaces at expiry.
    if (cached_ && *cached_->expiration > now) return *cached_;
    return fresh.status();
  }
  cached_ = std::move(fresh).value();
  fetched_at_ = now;
  return *cached_;
}

void CredentialCache::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_.reset();
}

}  // namespace vigil::aws
