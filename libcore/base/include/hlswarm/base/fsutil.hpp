// Durable file operations: nothing half-written is ever seen under a final
// name, and what a tool reports as done survives a crash.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace hlswarm {

/// Creates `dir` and its parents; Error(cant_create) with the reason if not.
/// An empty path (the parent of a bare file name) is the current folder.
void make_dirs(const std::filesystem::path &dir);

/// fsync(2) on a file or folder; Error(io) on failure.
void fsync_path(const std::filesystem::path &path);

/// Makes a finished temporary file final: fsync it, rename it over `final`,
/// fsync the folder so the rename itself is durable.
void commit_file(const std::filesystem::path &temporary,
                 const std::filesystem::path &final);

/// Writes `bytes` to `path` atomically (temporary name, fsync, rename).
void write_file_atomically(const std::filesystem::path &path,
                           std::string_view bytes, int mode = 0644);

/// A name for a temporary file next to `final` (same folder, so rename is
/// atomic), recognisable as ours: ".<name>.tmp-<pid>".
std::filesystem::path temporary_name_for(const std::filesystem::path &final);

/// Finds out now, before any work, whether `final` can be written the way
/// write_file_atomically writes it: creates and removes its temporary
/// name; Error(cant_create) with the reason if that fails.
void check_can_create(const std::filesystem::path &final);

/// True for names made by temporary_name_for (for clean-up after a crash).
bool is_temporary_name(const std::filesystem::path &path);

/// The whole content of a regular file. Error(no_input) if it is missing,
/// unreadable or not a regular file, Error(io) if reading fails.
std::string read_whole_file(const std::filesystem::path &path);

/// Copies the bytes of `source` into a new file `target` (replaced if it
/// exists), and says which side failed: Error(no_input) or Error(io)
/// naming `source` when reading fails, Error(cant_create) naming
/// `target_name` when the target cannot be created or its disk is full
/// ("no space left on device"), Error(io) naming it for other write
/// errors. A failed copy leaves `target` behind for the caller to remove.
void copy_file_contents(const std::filesystem::path &source,
                        const std::filesystem::path &target,
                        std::string_view target_name);

/// Removes a file; a missing file is not an error.
void remove_quietly(const std::filesystem::path &path);

/// A lock that one process at a time holds on a file (flock(2)): the
/// kernel lets go of it when the process exits, however it dies, so a
/// crash never leaves a stale lock. The file holds the holder's pid, for
/// messages. For "one peer-seed per store".
class ProcessLock {
public:
  /// Tries to take the lock on `path` (created if missing) without
  /// waiting. Error(cant_create) if the file cannot be opened.
  explicit ProcessLock(const std::filesystem::path &path);
  ~ProcessLock();
  ProcessLock(const ProcessLock &) = delete;
  ProcessLock &operator=(const ProcessLock &) = delete;

  /// Whether this process holds it.
  bool held() const { return held_; }
  /// When not held: the pid the holder wrote (0 if unknown).
  long holder() const { return holder_; }

private:
  int fd_ = -1;
  bool held_ = false;
  long holder_ = 0;
};

} // namespace hlswarm
