// Diagnostics on stderr: "tool: error: what: why", notes and progress.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace hlswarm::diag {

/// Set once by Tool before the program's work starts.
void set_program_name(std::string_view name);
const std::string &program_name();

/// -q: notes and progress are suppressed; warnings and errors are not.
void set_quiet(bool quiet);
/// Progress is shown when stderr is a terminal (and TERM is not "dumb"),
/// unless `forced` says otherwise (--progress / --no-progress).
void set_progress(int forced /* -1 auto, 0 off, 1 on */);
bool progress_enabled();

void error(std::string_view message);
void warning(std::string_view message);
/// An informational line, e.g. "created key file ...". Silenced by -q.
void note(std::string_view message);
/// A transient status line that overwrites itself; only on a terminal.
void progress(std::string_view message);
/// Ends a progress line so that later output starts on a clean line.
void progress_done();

template <typename... Args>
void notef(fmt::format_string<Args...> format, Args &&...args) {
  note(fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warningf(fmt::format_string<Args...> format, Args &&...args) {
  warning(fmt::format(format, std::forward<Args>(args)...));
}

} // namespace hlswarm::diag
