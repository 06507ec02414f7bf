#include "hlswarm/playlist.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace hlswarm {

MediaPlaylist::MediaPlaylist(std::int64_t first_seq, double target_duration,
                             std::string init_uri)
    : first_seq_(first_seq), target_duration_(target_duration),
      init_uri_(std::move(init_uri)) {}

void MediaPlaylist::add(std::string uri, double duration) {
  entries_.push_back({std::move(uri), duration});
}

std::string MediaPlaylist::text() const {
  // RFC 8216 4.3.3.1: every EXTINF, rounded to the nearest integer, must be
  // at most the target duration. A GOP longer than the target makes longer
  // segments, so the target grows with them rather than lie.
  long target = std::max(1L, std::lround(std::ceil(target_duration_)));
  for (const Entry &entry : entries_)
    target = std::max(target, std::lround(entry.duration));

  // Version 3 for decimal EXTINF; 7 for EXT-X-MAP in a media playlist.
  std::string text = "#EXTM3U\n";
  text += fmt::format("#EXT-X-VERSION:{}\n", init_uri_.empty() ? 3 : 7);
  text += fmt::format("#EXT-X-TARGETDURATION:{}\n", target);
  text += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", first_seq_);
  text += "#EXT-X-PLAYLIST-TYPE:EVENT\n";
  if (!init_uri_.empty())
    text += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", init_uri_);
  for (const Entry &entry : entries_)
    text += fmt::format("#EXTINF:{:.6f},\n{}\n", entry.duration, entry.uri);
  if (ended_)
    text += "#EXT-X-ENDLIST\n";
  return text;
}

std::string relative_uri(const std::filesystem::path &file,
                         const std::filesystem::path &folder) {
  std::string path = file.lexically_relative(folder).generic_string();
  if (path.empty())
    path = file.generic_string();
  std::string uri;
  for (unsigned char c : path) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                      c == '_' || c == '~' || c == '/';
    if (unreserved)
      uri += static_cast<char>(c);
    else
      uri += fmt::format("%{:02X}", c);
  }
  return uri;
}

} // namespace hlswarm
