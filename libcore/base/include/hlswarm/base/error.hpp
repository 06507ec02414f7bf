// The one error type of hlswarm, and the exit codes it maps to.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace hlswarm {

/// Exit codes, from sysexits(3). Every tool exits with one of these; CLI11's
/// own codes never reach the shell.
enum class Exit : int {
  ok = 0,
  usage = 64,        ///< EX_USAGE: the command line is wrong
  data = 65,         ///< EX_DATAERR: the input data is bad
  no_input = 66,     ///< EX_NOINPUT: an input file is missing or unreadable
  unavailable = 69,  ///< EX_UNAVAILABLE: network or peers unavailable
  software = 70,     ///< EX_SOFTWARE: an internal error (a bug)
  cant_create = 73,  ///< EX_CANTCREAT: an output cannot be created
  io = 74,           ///< EX_IOERR: reading or writing failed
  temp_fail = 75,    ///< EX_TEMPFAIL: try again later
  interrupted = 130, ///< stopped by SIGINT or SIGTERM
};

/// What went wrong, on what, and which exit code it means. The message reads
/// "subject: reason" (e.g. "in.ts: no video stream"): lower case, no final
/// period, the thing that failed first.
class Error : public std::runtime_error {
public:
  Error(Exit code, std::string_view subject, std::string_view reason);
  /// An error without a subject, e.g. for a wrong combination of options.
  Error(Exit code, std::string_view reason);

  Exit code() const { return code_; }
  const std::string &subject() const { return subject_; }
  const std::string &reason() const { return reason_; }

private:
  Exit code_;
  std::string subject_;
  std::string reason_;
};

/// The error for a failed system call on `subject`, classified by errno:
/// ENOENT on an input is no_input, ENOSPC/EACCES on an output cant_create...
Error system_error(Exit code, std::string_view subject, int errno_value);

/// `text` with a capitalised first word lower-cased ("No such file" ->
/// "no such file"), as our messages are; an acronym ("SQL error") stays.
std::string lower_first(std::string_view text);

} // namespace hlswarm
