// Collection of an AWS account's monitoring chain (aws-api.md §4) in two layers:
//   Collect()        calls AWS and records every answer, unmodified, in a RawAccount document;
//   BuildInventory() turns a RawAccount into the inventory (docs/inventory.md): a pure function,
//                    so `vigil collect --from-raw` can rebuild an inventory offline.
#ifndef VIGIL_COLLECT_COLLECTOR_H_
#define VIGIL_COLLECT_COLLECTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "base/json_value.h"

namespace vigil::collect {

struct CollectOptions {
  std::string home_region;           // STS, DescribeRegions; required
  std::vector<std::string> regions;  // empty = every enabled region
  int concurrency = 8;               // parallel requests (and connections)
  // Called after each finished task with (done, total); for a progress line.
  std::function<void(int, int)> progress;
};

// The raw collection: every response kept as AWS sent it (converted to JSON for query
// services), plus the errors, keyed so that BuildInventory can join them. The layout:
//   {"identity": {...GetCallerIdentity}, "homeRegion": "...", "time": "...",
//    "regions": [{"name", "optInStatus"}], "skippedRegions": [{"region", "reason"}],
//    "perRegion": {"<region>": {"<call>": [items...] | {...}}},
//    "trails": {"<arn>": {"status": {...}, "eventSelectors": {...}}},
//    "topics": {"<arn>": {"subscriptions": [...], "attributes": {...}}},
//    "errors": [{"service","region","operation","resource","code","class","message","httpStatus"}],
//    "calls": {"service:Operation": n}, "retries": n, "credentialSource": "..."}
// A call that failed has no entry under its key; its error is in "errors".
using RawAccount = Json;

// Collects the account. Never fails as a whole: a fatal problem (no credentials, no caller
// identity) is returned as the first error with nothing else collected; callers check
// FatalError().
RawAccount Collect(aws::Client& client, const CollectOptions& options);

// The message of a fatal error recorded in `raw` (identity could not be read), or "".
std::string FatalError(const RawAccount& raw);
// True when some call failed for a reason other than a permission gap or an absent resource.
bool Incomplete(const RawAccount& raw);

// Builds the inventory document (version 1) from a raw collection.
Json BuildInventory(const RawAccount& raw);

}  // namespace vigil::collect

#endif  // VIGIL_COLLECT_COLLECTOR_H_
