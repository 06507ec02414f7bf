#include "hlswarm/room/hls_gateway.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "gateway_assets.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/sha256.hpp"
#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {

namespace {

constexpr const char *playlist_name = "index.m3u8";
constexpr const char *playlist_type = "application/vnd.apple.mpegurl";
// Segment names are unique within a run, but another room served later
// on the same port reuses them (seg-00000.ts): the room's tag in the path
// keeps a browser's year-long cache of one room out of another.
constexpr const char *immutable = "public, max-age=31536000, immutable";

/// The Content-Type players expect for a file of the folder, by extension
/// (seg-split writes .ts, .m4s and init .mp4).
const char *content_type(const std::filesystem::path &name) {
  std::string extension = name.extension().string();
  if (extension == ".m3u8")
    return playlist_type;
  if (extension == ".ts")
    return "video/mp2t";
  if (extension == ".mp4" || extension == ".m4s")
    return "video/mp4";
  if (extension == ".aac")
    return "audio/aac";
  if (extension == ".m4a")
    return "audio/mp4";
  return "application/octet-stream";
}

/// A name the folder may serve: a plain file name, not hidden, not one of
/// the temporary names the HLS output writes before renaming.
bool servable_name(const std::string &name) {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string::npos &&
         !is_temporary_name(name);
}

/// The room's short id in URLs: 16 hex digits of the SHA-256 of its URI.
std::string room_tag(const Room &room) {
  Sha256 digest = sha256(format_room_uri(room));
  return to_hex(digest_bytes(digest)).substr(0, 16);
}

/// An open file whose bytes a response streams, range by range.
struct OpenFile {
  int fd = -1;
  ~OpenFile() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

HostPort parse_gateway_address(std::string_view text) {
  std::string full(text);
  if (!full.empty() && full.front() == ':')
    full = "127.0.0.1" + full;
  return parse_host_port(full, "--http", true);
}

struct HlsGateway::Impl {
  Room room;
  std::string tag;
  std::filesystem::path folder;
  HostPort bound;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> thread_done{false};
  mutable std::mutex mutex;
  GatewayStatus status; ///< guarded by mutex

  std::string room_path() const { return "/rooms/" + tag + "/"; }

  GatewayStatus current() const {
    std::lock_guard lock(mutex);
    return status;
  }

  /// A file that is not (yet) in the folder: it may come while the
  /// playlist still grows, never once it is complete.
  void not_there(httplib::Response &res) const {
    if (current().complete) {
      res.status = 404;
      res.set_content("not in this room's verified segments\n", "text/plain");
    } else {
      res.status = 503;
      res.set_header("Retry-After", "1");
      res.set_content("not verified yet\n", "text/plain");
    }
  }

  void serve_playlist(httplib::Response &res) const {
    std::error_code ec;
    if (!std::filesystem::exists(folder / playlist_name, ec)) {
      not_there(res);
      return;
    }
    // Replaced atomically by the HLS output: always a whole playlist.
    res.set_content(read_whole_file(folder / playlist_name), playlist_type);
    res.set_header("Cache-Control", "no-cache");
  }

  void serve_segment(const std::string &name, httplib::Response &res) const {
    if (!servable_name(name) || name == playlist_name) {
      res.status = 404;
      return;
    }
    auto file = std::make_shared<OpenFile>();
    file->fd = ::open((folder / name).c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (file->fd < 0 || ::fstat(file->fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      not_there(res);
      return;
    }
    res.set_header("Cache-Control", immutable);
    // The file is complete and never changes (renamed into place after
    // verification): httplib asks for the ranges the request wants.
    res.set_content_provider(
        static_cast<std::size_t>(info.st_size), content_type(name),
        [file](std::size_t offset, std::size_t length, httplib::DataSink &sink) {
          char buffer[64 * 1024];
          ssize_t got = ::pread(file->fd, buffer, std::min(length, sizeof buffer),
                                static_cast<off_t>(offset));
          if (got <= 0)
            return false;
          return sink.write(buffer, static_cast<std::size_t>(got));
        });
  }

  std::string status_json() const {
    GatewayStatus now = current();
    std::uint64_t total = now.origin_bytes + now.peer_bytes;
    nlohmann::json json = {
        {"v", 1},
        {"room", format_room_uri(room)},
        {"name", room.name},
        {"playlist", room_path() + playlist_name},
        {"state", now.state},
        {"complete", now.complete},
        {"segments", now.segments},
        {"media_seconds", now.media_seconds},
        {"peers", now.peers},
        {"origin_bytes", now.origin_bytes},
        {"peer_bytes", now.peer_bytes},
        {"peer_share", total ? static_cast<double>(now.peer_bytes) / static_cast<double>(total) : 0.0},
    };
    return json.dump() + "\n";
  }

  void route() {
    server.set_default_headers({
        {"Access-Control-Allow-Origin", "*"},
        {"Access-Control-Expose-Headers", "Content-Length, Content-Range"},
    });
    server.Options(R"(/.*)", [](const httplib::Request &, httplib::Response &res) {
      res.set_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Range");
      res.set_header("Access-Control-Max-Age", "86400");
      res.status = 204;
    });
    server.Get("/", [](const httplib::Request &, httplib::Response &res) {
      res.set_content(std::string(gateway_page()), "text/html; charset=utf-8");
      res.set_header("Cache-Control", "no-cache");
    });
    server.Get("/hls.min.js", [](const httplib::Request &, httplib::Response &res) {
      res.set_content(std::string(hls_js()), "text/javascript; charset=utf-8");
      res.set_header("Cache-Control", "no-cache");
    });
    server.Get("/status.json", [this](const httplib::Request &, httplib::Response &res) {
      res.set_content(status_json(), "application/json");
      res.set_header("Cache-Control", "no-store");
    });
    server.Get("/index.m3u8", [this](const httplib::Request &, httplib::Response &res) {
      res.set_redirect(room_path() + playlist_name, 302);
    });
    server.Get(R"(/rooms/([0-9a-f]+)/([^/]+))",
               [this](const httplib::Request &req, httplib::Response &res) {
                 if (req.matches[1] != tag) {
                   res.status = 404;
                   res.set_content("no such room here\n", "text/plain");
                 } else if (req.matches[2] == playlist_name) {
                   serve_playlist(res);
                 } else {
                   serve_segment(req.matches[2], res);
                 }
               });
  }

  void listen(const HostPort &where) {
    // httplib's default adds SO_REUSEPORT, with which a second gateway on
    // the same port binds too and the kernel splits the browsers between
    // the two rooms: SO_REUSEADDR alone (a restart right after a stop).
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    int port = where.port;
    if (port == 0)
      port = server.bind_to_any_port(where.host);
    else if (!server.bind_to_port(where.host, port))
      port = -1;
    if (port < 0)
      throw Error(Exit::unavailable, fmt::format("--http {}", where.to_string()),
                  "cannot listen there (address in use, or not this host's)");
    bound = {where.host, static_cast<std::uint16_t>(port)};
    // SIGINT and SIGTERM belong to the main thread, which stops the
    // program; the server's threads (created from this one) never see them.
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    thread = std::thread([this] {
      server.listen_after_bind();
      thread_done = true;
    });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }

  void stop() {
    // httplib's stop() does nothing before the loop runs: wait for either.
    while (!server.is_running() && !thread_done)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.stop();
    thread.join();
  }
};

HlsGateway::HlsGateway(const HostPort &listen, const Room &room,
                       std::filesystem::path folder)
    : impl_(std::make_unique<Impl>()) {
  impl_->room = room;
  impl_->tag = room_tag(room);
  impl_->folder = std::move(folder);
  impl_->route();
  impl_->listen(listen);
}

HlsGateway::~HlsGateway() { impl_->stop(); }

std::string HlsGateway::url() const {
  return fmt::format("http://{}/", impl_->bound.to_string());
}

std::string HlsGateway::playlist_path() const {
  return impl_->room_path() + playlist_name;
}

void HlsGateway::update(const GatewayStatus &status) {
  std::lock_guard lock(impl_->mutex);
  impl_->status = status;
}

} // namespace hlswarm
