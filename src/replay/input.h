// Reading CloudTrail events from files, directories and standard input (docs/replay.md §1).
//
// ListInputs expands the paths given on the command line: directories are walked recursively in
// name order (CloudTrail's S3 layout AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ and the
// organization layout AWSLogs/<org-id>/<account>/... both are plain trees), keeping *.json,
// *.jsonl, *.ndjson, *.log and their .gz forms; digest files are skipped and counted.
//
// ReadEvents streams one file (plain or gzip, detected by content; "-" is standard input) and
// hands each event's JSON text to a sink. It recognizes, per file:
//   - lines: NDJSON events, CloudWatch Logs exports (`<ISO time> <event>` per line), and lines
//     that are whole CloudTrail log documents `{"Records": [...]}` (CloudTrail writes each S3
//     object as one line);
//   - one JSON document over several lines: `{"Records": [...]}`, an array of events, or one
//     event.
// A document is handed out only once it has been read and parsed in full, so a truncated or
// corrupt one contributes nothing; lines already read from a file whose compressed stream breaks
// later have been handed out, and the outcome says how far the file was read. Memory: the
// largest document or line (capped by ReadOptions) plus a 1 MiB read buffer.
#ifndef VIGIL_REPLAY_INPUT_H_
#define VIGIL_REPLAY_INPUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::replay {

struct InputFile {
  std::string path;  // "-" for standard input
  uint64_t size = 0;  // bytes on disk (0 for standard input)
};

struct InputList {
  std::vector<InputFile> files;
  uint64_t digest_files = 0;  // CloudTrail-Digest files skipped
  uint64_t other_files = 0;   // files in directories with other extensions, skipped
};

// Errors: a path that does not exist or cannot be listed.
StatusOr<InputList> ListInputs(const std::vector<std::string>& paths);

// True for CloudTrail digest files (`.../CloudTrail-Digest/...` or `*_CloudTrail-Digest_*`).
bool IsDigestPath(std::string_view path);

struct ReadOptions {
  // Events longer than this are counted and not matched. Default 1 MiB (the CloudWatch Logs
  // event size limit).
  size_t max_event_bytes = 1 << 20;
  // A line or document longer than this ends the file with a problem. Default 512 MiB.
  size_t max_document_bytes = size_t{512} << 20;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // One event. `text` is valid only during the call. `minify`: the text may hold insignificant
  // whitespace (it comes from a multi-line document) and should be minified, as CloudTrail
  // delivers compact JSON to CloudWatch Logs. `line` is the 1-based line of the file where the
  // event (or its document) starts; `record` its 1-based index in a document, 0 for a line.
  virtual void Event(std::string_view text, bool minify, uint64_t line, uint64_t record) = 0;
  // `bytes` more bytes of the file (compressed, as on disk) have been read.
  virtual void BytesRead(uint64_t bytes) = 0;
};

struct ReadOutcome {
  uint64_t events = 0;
  uint64_t too_long = 0;  // events over max_event_bytes, not handed out
  // Set when the file is corrupt or truncated; says where and what was expected.
  std::optional<std::string> problem;
  // With a problem: whether events of the file were handed out before it (a partial read).
  bool partial = false;
};

ReadOutcome ReadEvents(const InputFile& file, const ReadOptions& options, EventSink& sink);

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_INPUT_H_
