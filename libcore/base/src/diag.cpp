#include "hlswarm/base/diag.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace hlswarm::diag {
namespace {

struct State {
  std::string program = "hlswarm";
  bool quiet = false;
  int forced_progress = -1;
  bool progress_line_open = false;
  std::mutex mutex; // network callbacks may log from libtorrent's thread
};

State &state() {
  static State s;
  return s;
}

bool stderr_is_terminal() {
  if (!isatty(STDERR_FILENO))
    return false;
  const char *term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

bool colour_enabled() {
  return stderr_is_terminal() && std::getenv("NO_COLOR") == nullptr;
}

void write_line(std::string_view label, const char *colour,
                std::string_view message) {
  State &s = state();
  std::lock_guard lock(s.mutex);
  if (s.progress_line_open) {
    std::fputs("\r\033[K", stderr);
    s.progress_line_open = false;
  }
  std::string line = s.program + ": ";
  if (!label.empty()) {
    if (colour_enabled())
      line += fmt::format("\033[{}m{}:\033[0m ", colour, label);
    else
      line += fmt::format("{}: ", label);
  }
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace

void set_program_name(std::string_view name) { state().program = name; }
const std::string &program_name() { return state().program; }
void set_quiet(bool quiet) { state().quiet = quiet; }
void set_progress(int forced) { state().forced_progress = forced; }

bool progress_enabled() {
  const State &s = state();
  if (s.forced_progress >= 0)
    return s.forced_progress == 1;
  return !s.quiet && stderr_is_terminal();
}

void error(std::string_view message) { write_line("error", "1;31", message); }
void warning(std::string_view message) {
  write_line("warning", "1;35", message);
}

void note(std::string_view message) {
  if (!state().quiet)
    write_line("", "", message);
}

void progress(std::string_view message) {
  if (!progress_enabled())
    return;
  State &s = state();
  std::lock_guard lock(s.mutex);
  std::string line = "\r\033[K" + s.program + ": " + std::string(message);
  if (!stderr_is_terminal()) // forced on a pipe: plain lines, no escapes
    line = s.program + ": " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  s.progress_line_open = stderr_is_terminal();
}

void progress_done() {
  State &s = state();
  std::lock_guard lock(s.mutex);
  if (s.progress_line_open) {
    std::fputs("\n", stderr);
    s.progress_line_open = false;
  }
}

} // namespace hlswarm::diag
