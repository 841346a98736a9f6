#include "gsl/inventory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "base/processors.h"

namespace vigil::gsl {

namespace {
const std::vector<simdjson::dom::element> kNone;
const std::vector<Inventory::EntityInfo> kNoInfos;

// The ids of one entity list, for duplicate detection: open addressing over a table sized once,
// so that 100,000 entities cost no allocation each.
class IdSet {
 public:
  explicit IdSet(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    slots_.assign(cap, 0);
    ids_.reserve(n);
  }
  // Adds id as number ids_.size(); returns the number of an equal id added before, or -1.
  int64_t Insert(std::string_view id) {
    size_t mask = slots_.size() - 1;
    for (size_t h = std::hash<std::string_view>()(id) & mask;; h = (h + 1) & mask) {
      uint32_t s = slots_[h];
      if (s == 0) {
        ids_.push_back(id);
        slots_[h] = static_cast<uint32_t>(ids_.size());
        return -1;
      }
      if (ids_[s - 1] == id) return s - 1;
    }
  }

 private:
  std::vector<uint32_t> slots_;  // 1 + index into ids_, 0 for empty
  std::vector<std::string_view> ids_;
};

// A read-only view of the DOM's tape, for the one walk over every member of every entity at load
// (evaluation uses simdjson's element API). simdjson documents the format (doc/tape.md in its
// sources) and exposes the buffers as public members of dom::document: one 64-bit word per
// value, the type character in the top byte; a string's payload is an offset into the string
// buffer, where a 32-bit length precedes the bytes; an array or object start ('[', '{') holds in
// its low 32 bits the index just past its end; numbers ('l', 'u', 'd') take a second word.
// Going through element and object iterators here cost an out-of-line call and two length reads
// per member: 23 ms of a 80 ms load of 100,000 entities. Tests pin the walk against the API's
// answers (InventoryTest.*), so a format change in a future simdjson shows at once.
class TapeView {
 public:
  explicit TapeView(const simdjson::dom::document& doc)
      : tape_(doc.tape.get()), strings_(doc.string_buf.get()) {}
  char Type(size_t i) const { return static_cast<char>(tape_[i] >> 56); }
  // The index just past the value at i.
  size_t After(size_t i) const {
    switch (Type(i)) {
      case '[':
      case '{': return static_cast<uint32_t>(tape_[i]);
      case 'l':
      case 'u':
      case 'd': return i + 2;
      default: return i + 1;
    }
  }
  // The string at i (Type(i) == '"').
  std::string_view String(size_t i) const {
    const uint8_t* p = strings_ + (tape_[i] & simdjson::internal::JSON_VALUE_MASK);
    uint32_t n;
    std::memcpy(&n, p, sizeof n);
    return {reinterpret_cast<const char*>(p + sizeof n), n};
  }
  // The index of the first member `key` of the object starting at i, its value's index after
  // it; 0 when there is none.
  size_t Find(size_t i, std::string_view key) const {
    for (size_t k = i + 1; Type(k) != '}'; k = After(k + 1)) {
      if (String(k) == key) return k;
    }
    return 0;
  }

 private:
  const uint64_t* tape_;
  const uint8_t* strings_;
};

// Memory the kernel may back with 2 MiB pages (transparent huge pages in "madvise" mode, the
// Debian default): a 30 MB inventory otherwise costs some 20,000 page faults to parse (tape,
// strings, structural indexes), as much time as the parse itself. Only whole huge pages inside
// [p, p + n) are advised.
void AdviseHugePages(void* p, size_t n) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

// Faults in the whole pages of [p, p + n) for writing, without writing (errors ignored: it only
// saves time).
void PopulateForWrite(void* p, size_t n) {
#ifdef MADV_POPULATE_WRITE
  uintptr_t begin = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{4095};
  madvise(reinterpret_cast<void*>(begin), n, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)n;
#endif
}

// Below this size the page faults do not matter.
constexpr size_t kLargeDocument = size_t{4} << 20;

// A regular file's bytes followed by simdjson's padding, mapped rather than copied: the page
// cache's pages are used as they are (no copy, no fresh memory to zero), over a reservation one
// padding longer whose tail reads as zeros. Empty when the file cannot be mapped (Load then falls
// back to simdjson's loader, which also gives the error). The mapping lives only while the text is
// parsed; a file truncated during those milliseconds would fault, as with any mapped input — the
// collector replaces inventories by rename, never in place.
class FileBytes {
 public:
  explicit FileBytes(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      size_t size = static_cast<size_t>(st.st_size);
      size_t cap = size + simdjson::SIMDJSON_PADDING;
      void* region = mmap(nullptr, cap, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (region != MAP_FAILED) {
        void* m = mmap(region, size, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0);
        if (m == region) {
          data_ = static_cast<const char*>(region);
          size_ = size;
          cap_ = cap;
        } else {
          munmap(region, cap);
        }
      }
    }
    close(fd);
  }
  ~FileBytes() {
    if (data_) munmap(const_cast<char*>(data_), cap_);
  }
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  bool ok() const { return data_ != nullptr; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }  // followed by SIMDJSON_PADDING readable bytes

 private:
  const char* data_ = nullptr;
  size_t size_ = 0, cap_ = 0;
};
}  // namespace

StatusOr<std::unique_ptr<Inventory>> Inventory::Load(const std::string& path) {
  std::unique_ptr<Inventory> inv(new Inventory());
  {
    FileBytes bytes(path);
    if (bytes.ok()) {
      // The DOM copies what it keeps (strings into its own buffer), so the text goes once parsed.
      VIGIL_RETURN_IF_ERROR(inv->Index(path, bytes.data(), bytes.size()));
      return inv;
    }
  }
  simdjson::padded_string text;
  auto err = simdjson::padded_string::load(path).get(text);
  if (err) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return IoError(path + ": no such file");
    if (std::filesystem::is_directory(path, ec)) return IoError(path + ": is a directory");
    return IoError(fmt::format("{}: cannot read: {}", path, simdjson::error_message(err)));
  }
  VIGIL_RETURN_IF_ERROR(inv->Index(path, text.data(), text.size()));
  return inv;
}

StatusOr<std::unique_ptr<Inventory>> Inventory::FromText(std::string text,
                                                         const std::string& name) {
  std::unique_ptr<Inventory> inv(new Inventory());
  simdjson::padded_string json(text);
  VIGIL_RETURN_IF_ERROR(inv->Index(name, json.data(), json.size()));
  return inv;
}

Status Inventory::Index(const std::string& name, const char* json, size_t size) {
  if (size >= kLargeDocument && !parser_.allocate(size) && !parser_.doc.allocate(size)) {
    // simdjson's buffers (tape, strings, structural indexes) as sized by allocate(); the
    // advice covers no more than they hold at least.
    AdviseHugePages(parser_.doc.tape.get(), size * sizeof(uint64_t));
    AdviseHugePages(parser_.doc.string_buf.get(), size / 3 * 5);
    AdviseHugePages(parser_.implementation->structural_indexes.get(), size * sizeof(uint32_t));
  }
  // With a second processor, the fresh memory the parse will write (the tape and the string
  // buffer) is faulted in there, zeroed by the kernel, while simdjson's first stage reads the text
  // here. MADV_POPULATE_WRITE changes no byte, so it may race with the parse; it covers what an
  // inventory usually needs (a pretty-printed one: tape 0.4, strings 0.8 of the text's size).
  std::thread prefault;
#ifdef MADV_POPULATE_WRITE
  if (size >= kLargeDocument && AvailableProcessors() >= 2) {
    void* tape = parser_.doc.tape.get();
    void* strings = parser_.doc.string_buf.get();
    try {
      prefault = std::thread([tape, strings, size] {
        PopulateForWrite(tape, size / 2);
        PopulateForWrite(strings, size / 5 * 4);
      });
    } catch (const std::system_error&) {
      // No thread to spare (a process limit): the parse faults the pages in itself.
    }
  }
#endif
  // `json` is followed by SIMDJSON_PADDING readable bytes.
  auto parsed = parser_.parse(json, size, false).get(root_);
  if (prefault.joinable()) prefault.join();
  if (auto err = parsed) {
    return InvalidArgument(fmt::format("{}: not a valid JSON document: {}", name,
                                       simdjson::error_message(err)));
  }
  simdjson::dom::object root;
  if (root_.get_object().get(root)) {
    return InvalidArgument(fmt::format("{}: expected an inventory object "
                                       "{{\"account\": ..., \"entities\": ...}} at the top",
                                       name));
  }
  simdjson::dom::element version;
  if (!root["version"].get(version)) {
    int64_t v;
    if (version.get_int64().get(v)) {
      return InvalidArgument(fmt::format("{}: version: expected a number", name));
    }
    if (v != kInventoryVersion) {
      return InvalidArgument(fmt::format("{}: inventory format version {}, but this vigil reads "
                                         "version {}; collect it again with this vigil",
                                         name, v, kInventoryVersion));
    }
  }
  simdjson::dom::object account;
  if (root["account"].get_object().get(account)) {
    return InvalidArgument(fmt::format("{}: account: expected an object with a string \"id\"",
                                       name));
  }
  std::string_view id;
  if (account["id"].get_string().get(id) || id.empty()) {
    return InvalidArgument(fmt::format("{}: account.id: expected a non-empty string", name));
  }
  account_id_ = std::string(id);
  std::string_view aname;
  if (!account["name"].get_string().get(aname)) account_name_ = std::string(aname);
  simdjson::dom::object entities;
  if (root["entities"].get_object().get(entities)) {
    return InvalidArgument(fmt::format("{}: entities: expected an object mapping entity types "
                                       "to lists",
                                       name));
  }
  // The members are walked on the tape (TapeView), in step with the API's iteration: the
  // root object is at index 1 of the tape (0 is the root word).
  const TapeView tape(parser_.doc);
  size_t type_at = tape.Find(1, "entities") + 2;  // the first type's key
  for (auto field : entities) {
    std::string type(field.key);
    simdjson::dom::array list;
    if (field.value.get_array().get(list)) {
      return InvalidArgument(fmt::format("{}: entities.{}: expected a list of entities", name,
                                         type));
    }
    auto& out = by_type_[type];
    out.reserve(out.size() + list.size());
    auto& infos = infos_[type];
    infos.reserve(infos.size() + list.size());
    IdSet seen(list.size());
    size_t i = 0;
    size_t at = type_at + 2;  // the first entity: past the key and the '['
    for (simdjson::dom::element e : list) {
      if (tape.Type(at) != '{') {
        return InvalidArgument(fmt::format("{}: entities.{}[{}]: expected an object", name, type,
                                           i));
      }
      // One walk over the members finds the id, the name and the chainReadable flag (first
      // occurrences, as lookups by key would); evaluation reads them here, not per rule. Keys
      // are told apart by length first: most are none of the three, and "chainReadable" is
      // usually absent, so every key is looked at.
      size_t id_at = 0, name_at = 0, readable_at = 0;
      for (size_t k = at + 1; tape.Type(k) != '}'; k = tape.After(k + 1)) {
        std::string_view key = tape.String(k);
        switch (key.size()) {
          case 2:
            if (id_at == 0 && key == "id") id_at = k + 1;
            break;
          case 4:
            if (name_at == 0 && key == "name") name_at = k + 1;
            break;
          case 13:
            if (readable_at == 0 && key == "chainReadable") readable_at = k + 1;
            break;
          default:
            break;
        }
      }
      EntityInfo info;
      info.unreadable = readable_at != 0 && tape.Type(readable_at) == 'f';
      if (name_at != 0 && tape.Type(name_at) == '"') info.name = tape.String(name_at);
      std::string_view eid;
      if (id_at != 0 && tape.Type(id_at) == '"') eid = tape.String(id_at);
      if (eid.empty()) {
        return InvalidArgument(fmt::format("{}: entities.{}[{}]: an entity needs a non-empty "
                                           "string \"id\"",
                                           name, type, i));
      }
      if (int64_t first = seen.Insert(eid); first >= 0) {
        return InvalidArgument(fmt::format("{}: entities.{}[{}]: duplicate id '{}' (also at [{}])",
                                           name, type, i, eid, first));
      }
      info.id = eid;
      out.push_back(e);
      infos.push_back(info);
      at = tape.After(at);
      ++i;
    }
    type_at = tape.After(type_at + 1);
  }
  // A type that could not be listed in full — for lack of permission, or because a listing
  // failed — reports failures as no-data rather than as findings.
  for (const char* key : {"permissionGaps", "errors"}) {
    simdjson::dom::array gaps;
    if (root["collection"][key].get_array().get(gaps)) continue;
    for (simdjson::dom::element g : gaps) {
      std::string_view t;
      if (!g["entityType"].get_string().get(t)) gaps_.insert(std::string(t));
    }
  }
  return Status::Ok();
}

const std::vector<simdjson::dom::element>& Inventory::Entities(const std::string& type) const {
  auto it = by_type_.find(type);
  return it == by_type_.end() ? kNone : it->second;
}

const std::vector<Inventory::EntityInfo>& Inventory::Infos(const std::string& type) const {
  auto it = infos_.find(type);
  return it == infos_.end() ? kNoInfos : it->second;
}

std::vector<std::string> Inventory::Types() const {
  std::vector<std::string> out;
  for (auto& [k, v] : by_type_) out.push_back(k);
  return out;
}

size_t Inventory::EntityCount() const {
  size_t n = 0;
  for (auto& [k, v] : by_type_) n += v.size();
  return n;
}

}  // namespace vigil::gsl
