// The inventory file (docs/inventory.md): an account and its entities by GSL type.
//
//   {"version": 1, "account": {"id": "...", "name": "...", "cloudProvider": "aws"},
//    "entities": {"CloudTrail": [{"id": "...", ...}, ...], ...},
//    "collection": {..., "permissionGaps": [{"entityType": "...", ...}]}}
//
// Parsed once with simdjson's DOM parser and walked once to validate every entity; evaluation reads
// entities through Infos() (DomRef, gsl/dom.h), the remediation and replay models as simdjson
// elements (Entities()). Both live as long as the Inventory (the DOM holds copies of the strings;
// the file's text is not kept). Every shape error names the place (file and JSON path).
#ifndef VIGIL_GSL_INVENTORY_H_
#define VIGIL_GSL_INVENTORY_H_

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <simdjson.h>

#include "base/status.h"
#include "gsl/dom.h"

namespace vigil::gsl {

inline constexpr int64_t kInventoryVersion = 1;

class Inventory {
 public:
  // Reads and validates an inventory file ("-" for stdin is not supported: it is read twice).
  static StatusOr<std::unique_ptr<Inventory>> Load(const std::string& path);
  // Parses inventory text; `name` is used in messages.
  static StatusOr<std::unique_ptr<Inventory>> FromText(std::string text, const std::string& name);

  const std::string& account_id() const { return account_id_; }
  const std::string& account_name() const { return account_name_; }
  bool Has(const std::string& type) const { return infos_.count(type) > 0; }
  const std::vector<simdjson::dom::element>& Entities(const std::string& type) const;
  // What loading read of each entity of the type, in the same order as Entities().
  struct EntityInfo {
    DomRef value;                // the entity itself
    std::string_view id, name;  // the first "id" and "name" members ("" for a name not a string)
    bool unreadable = false;     // "chainReadable": false
  };
  const std::vector<EntityInfo>& Infos(const std::string& type) const;
  // Entity types with a recorded permission gap: their failures are reported as no-data.
  bool HasGap(const std::string& type) const { return gaps_.count(type) > 0; }
  std::vector<std::string> Types() const;
  size_t EntityCount() const;

 private:
  Inventory() = default;
  // Parses `json` (followed by SIMDJSON_PADDING readable bytes) and indexes the entities.
  Status Index(const std::string& name, const char* json, size_t size);

  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  std::string account_id_, account_name_;
  std::map<std::string, std::vector<EntityInfo>> infos_;
  // Entities(), by type, made on first use (entries are never removed: references stay valid).
  mutable std::mutex elements_mu_;
  mutable std::map<std::string, std::vector<simdjson::dom::element>> elements_;
  std::set<std::string> gaps_;
};

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_INVENTORY_H_
