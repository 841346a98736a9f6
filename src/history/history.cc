#include "history/history.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "gsl/functions.h"

namespace vigil::history {

namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

Status MakeDirs(const std::string& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    std::string dir = path.substr(0, i);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError(fmt::format("{}: cannot create the directory", dir));
    }
  }
  return Status::Ok();
}

StatusOr<Db> Open(const std::string& path, bool create) {
  if (create) VIGIL_RETURN_IF_ERROR(MakeDirs(path));
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return IoError(fmt::format("{}: cannot open the history database: {}", path, msg));
  }
  Db db(raw);
  sqlite3_busy_timeout(raw, 5000);
  const char* schema =
      "CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, "
      "account_name TEXT, time TEXT NOT NULL, rules INTEGER, passed INTEGER, failed INTEGER);"
      "CREATE TABLE IF NOT EXISTS findings (scan_id INTEGER NOT NULL REFERENCES scans(id), "
      "rule_id TEXT NOT NULL, rule_name TEXT, entity_type TEXT, entity_id TEXT NOT NULL, "
      "status TEXT NOT NULL, message TEXT);"
      "CREATE INDEX IF NOT EXISTS findings_scan ON findings(scan_id);";
  char* err = nullptr;
  if (sqlite3_exec(raw, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    return IoError(fmt::format("{}: not a vigil history database: {}", path, msg));
  }
  return db;
}

Status Exec(sqlite3* db, const char* sql, const std::string& path) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    return IoError(fmt::format("{}: {}", path, msg));
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultPath() {
  if (const char* p = std::getenv("VIGIL_HISTORY_DB"); p && *p) return p;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) {
    return std::string(x) + "/vigil/history.db";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/vigil/history.db";
}

StatusOr<int64_t> Record(const std::string& path, const rules::ScanResult& scan) {
  auto db = Open(path, true);
  if (!db.ok()) return db.status();
  sqlite3* h = db->get();
  VIGIL_RETURN_IF_ERROR(Exec(h, "BEGIN", path));
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(h,
                     "INSERT INTO scans (account_id, account_name, time, rules, passed, failed) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     -1, &raw, nullptr);
  Stmt ins(raw);
  std::string time = gsl::FormatTime(scan.time);
  sqlite3_bind_text(raw, 1, scan.account_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 2, scan.account_name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 3, time.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 4, static_cast<int64_t>(scan.rules_evaluated));
  sqlite3_bind_int64(raw, 5, static_cast<int64_t>(scan.Count(gsl::Status::kPassed)));
  sqlite3_bind_int64(raw, 6, static_cast<int64_t>(scan.Count(gsl::Status::kFailed)));
  if (sqlite3_step(raw) != SQLITE_DONE) {
    (void)Exec(h, "ROLLBACK", path);
    return IoError(fmt::format("{}: cannot record the scan: {}", path, sqlite3_errmsg(h)));
  }
  int64_t id = sqlite3_last_insert_rowid(h);
  sqlite3_prepare_v2(h,
                     "INSERT INTO findings (scan_id, rule_id, rule_name, entity_type, entity_id, "
                     "status, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     -1, &raw, nullptr);
  Stmt fin(raw);
  for (const auto& f : scan.findings) {
    sqlite3_reset(raw);
    sqlite3_bind_int64(raw, 1, id);
    sqlite3_bind_text(raw, 2, f.rule->id().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 3, f.rule->name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 4, f.result.entity_type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 5, f.result.entity_id.data(), static_cast<int>(f.result.entity_id.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 6, gsl::StatusName(f.result.status), -1, SQLITE_STATIC);
    sqlite3_bind_text(raw, 7, f.result.message.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(raw) != SQLITE_DONE) {
      (void)Exec(h, "ROLLBACK", path);
      return IoError(fmt::format("{}: cannot record the scan: {}", path, sqlite3_errmsg(h)));
    }
  }
  VIGIL_RETURN_IF_ERROR(Exec(h, "COMMIT", path));
  return id;
}

StatusOr<Diff> DiffLatest(const std::string& path, const std::string& account_id) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return NotFound(fmt::format("{}: no scan history yet (run vigil scan first)", path));
  }
  auto db = Open(path, false);
  if (!db.ok()) return db.status();
  sqlite3* h = db->get();
  sqlite3_stmt* raw = nullptr;
  std::string account = account_id;
  if (account.empty()) {
    sqlite3_prepare_v2(h, "SELECT account_id FROM scans ORDER BY id DESC LIMIT 1", -1, &raw,
                       nullptr);
    Stmt q(raw);
    if (sqlite3_step(raw) == SQLITE_ROW) {
      account = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    }
  }
  sqlite3_prepare_v2(h, "SELECT id, time FROM scans WHERE account_id = ? ORDER BY id DESC LIMIT 2",
                     -1, &raw, nullptr);
  Stmt q(raw);
  sqlite3_bind_text(raw, 1, account.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<std::pair<int64_t, std::string>> scans;
  while (sqlite3_step(raw) == SQLITE_ROW) {
    scans.emplace_back(sqlite3_column_int64(raw, 0),
                       reinterpret_cast<const char*>(sqlite3_column_text(raw, 1)));
  }
  if (scans.size() < 2) {
    return NotFound(fmt::format("{}: account {} has {} recorded scan(s); a diff needs two", path,
                                account.empty() ? "(none)" : account, scans.size()));
  }
  Diff d;
  d.account_id = account;
  d.to_scan = scans[0].first;
  d.to_time = scans[0].second;
  d.from_scan = scans[1].first;
  d.from_time = scans[1].second;
  using Key = std::tuple<std::string, std::string, std::string>;  // rule, type, entity
  struct Row {
    std::string rule_name, status;
  };
  auto load = [&](int64_t scan) {
    std::map<Key, Row> rows;
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(h,
                       "SELECT rule_id, rule_name, entity_type, entity_id, status FROM findings "
                       "WHERE scan_id = ?",
                       -1, &s, nullptr);
    Stmt guard(s);
    sqlite3_bind_int64(s, 1, scan);
    auto col = [&](int i) {
      const unsigned char* t = sqlite3_column_text(s, i);
      return std::string(t ? reinterpret_cast<const char*>(t) : "");
    };
    while (sqlite3_step(s) == SQLITE_ROW) {
      rows[Key{col(0), col(2), col(3)}] = Row{col(1), col(4)};
    }
    return rows;
  };
  auto before = load(d.from_scan), after = load(d.to_scan);
  std::set<std::pair<std::string, std::string>> old_entities, new_entities;
  for (auto& [k, r] : before) old_entities.emplace(std::get<1>(k), std::get<2>(k));
  for (auto& [k, r] : after) new_entities.emplace(std::get<1>(k), std::get<2>(k));
  for (auto& [k, r] : after) {
    auto it = before.find(k);
    std::string was = it == before.end() ? "" : it->second.status;
    Change c{std::get<0>(k), r.rule_name, std::get<1>(k), std::get<2>(k), was, r.status};
    if (r.status == "failed" && was != "failed") {
      d.new_failures.push_back(c);
    } else if (was == "failed" && r.status != "failed") {
      d.fixed.push_back(c);
    } else if (!was.empty() && was != r.status) {
      d.other.push_back(c);
    }
  }
  for (auto& [type, id] : new_entities) {
    if (!old_entities.count({type, id})) d.new_resources.push_back(Change{"", "", type, id, "", ""});
  }
  for (auto& [type, id] : old_entities) {
    if (!new_entities.count({type, id})) {
      d.removed_resources.push_back(Change{"", "", type, id, "", ""});
    }
  }
  return d;
}

}  // namespace vigil::history
