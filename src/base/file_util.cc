#include "base/file_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace vigil {

namespace {

// Writes all of `content` to `fd`; errno-based message on failure.
bool WriteAll(int fd, std::string_view content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(w);
  }
  return true;
}

Status WriteDirect(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return IoError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  bool ok = WriteAll(fd, content);
  int e = errno;
  ::close(fd);
  if (!ok) return IoError(fmt::format("{}: write failed: {}", path, std::strerror(e)));
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view content) {
  // Devices and pipes (/dev/stdout, /dev/null, a FIFO) are written as they are: renaming a file
  // over them would replace them.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return WriteDirect(path, content);
  std::string tmp = fmt::format("{}.tmp-{}", path, static_cast<long>(getpid()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  if (!WriteAll(fd, content)) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return IoError(fmt::format("{}: write failed: {}", path, std::strerror(e)));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return IoError(fmt::format("{}: write failed: {}", path, std::strerror(e)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return IoError(fmt::format("{}: cannot replace: {}", path, std::strerror(e)));
  }
  return Status::Ok();
}

}  // namespace vigil
