#include "gsl/inventory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
  // The entities are walked on the tape (DomRef): every member of every entity is looked at, and
  // simdjson's iterators cost an out-of-line call per step.
  for (DomRef type_key = DomRef::Root(parser_.doc).Member("entities").First(); !type_key.is_end();
       type_key = type_key.Value().Next()) {
    std::string type(type_key.string());
    DomRef list = type_key.Value();
    if (!list.is_array()) {
      return InvalidArgument(fmt::format("{}: entities.{}: expected a list of entities", name,
                                         type));
    }
    auto& infos = infos_[type];
    const size_t count = list.Count();
    infos.reserve(infos.size() + count);
    IdSet seen(count);
    size_t i = 0;
    for (DomRef entity = list.First(); !entity.is_end(); entity = entity.Next(), ++i) {
      if (!entity.is_object()) {
        return InvalidArgument(fmt::format("{}: entities.{}[{}]: expected an object", name, type,
                                           i));
      }
      // One walk over the members finds the id, the name and the chainReadable flag (first
      // occurrences, as lookups by key would); evaluation reads them here, not per rule. Keys
      // are told apart by length first: most are none of the three, and "chainReadable" is
      // usually absent, so every key is looked at.
      DomRef id, name_value, readable;
      for (DomRef k = entity.First(); !k.is_end(); k = k.Value().Next()) {
        std::string_view key = k.string();
        switch (key.size()) {
          case 2:
            if (!id.valid() && key == "id") id = k.Value();
            break;
          case 4:
            if (!name_value.valid() && key == "name") name_value = k.Value();
            break;
          case 13:
            if (!readable.valid() && key == "chainReadable") readable = k.Value();
            break;
          default:
            break;
        }
      }
      EntityInfo info;
      info.value = entity;
      info.unreadable = readable.valid() && readable.type() == 'f';
      if (name_value.valid() && name_value.type() == '"') info.name = name_value.string();
      std::string_view eid;
      if (id.valid() && id.type() == '"') eid = id.string();
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
      infos.push_back(info);
    }
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
  if (!Has(type)) return kNone;
  // Built on first use: evaluation reads entities through Infos(); the remediation and replay
  // models, which read a few types, use simdjson's elements.
  std::lock_guard<std::mutex> lock(elements_mu_);
  auto [it, added] = elements_.try_emplace(type);
  if (added) {
    it->second.reserve(Infos(type).size());
    simdjson::dom::object entities = root_["entities"].get_object().value_unsafe();
    for (auto field : entities) {
      if (field.key != type) continue;  // a type given twice has both lists, as Infos() does
      simdjson::dom::array list = field.value.get_array().value_unsafe();  // checked at load
      for (simdjson::dom::element e : list) it->second.push_back(e);
    }
  }
  return it->second;
}

const std::vector<Inventory::EntityInfo>& Inventory::Infos(const std::string& type) const {
  auto it = infos_.find(type);
  return it == infos_.end() ? kNoInfos : it->second;
}

std::vector<std::string> Inventory::Types() const {
  std::vector<std::string> out;
  for (auto& [k, v] : infos_) out.push_back(k);
  return out;
}

size_t Inventory::EntityCount() const {
  size_t n = 0;
  for (auto& [k, v] : infos_) n += v.size();
  return n;
}

}  // namespace vigil::gsl
