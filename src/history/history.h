// Scan history in SQLite: every scan is recorded (account, time, findings), and `vigil diff`
// compares the last two scans of an account: new failures, fixed findings, new and removed
// resources. The database is opened per command; writes are one transaction per scan.
#ifndef VIGIL_HISTORY_HISTORY_H_
#define VIGIL_HISTORY_HISTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "rules/scan.h"

namespace vigil::history {

// $VIGIL_HISTORY_DB, else $XDG_DATA_HOME/vigil/history.db, else ~/.local/share/vigil/history.db.
std::string DefaultPath();

// Records a scan; returns its id.
StatusOr<int64_t> Record(const std::string& db_path, const rules::ScanResult& scan);

struct Change {
  std::string rule_id, rule_name, entity_type, entity_id, before, after;  // statuses
};

struct Diff {
  int64_t from_scan = 0, to_scan = 0;
  std::string from_time, to_time, account_id;
  std::vector<Change> new_failures, fixed, new_resources, removed_resources, other;
};

// The difference between the last two scans of `account_id` (empty: of the account scanned last).
StatusOr<Diff> DiffLatest(const std::string& db_path, const std::string& account_id);

}  // namespace vigil::history

#endif  // VIGIL_HISTORY_HISTORY_H_
