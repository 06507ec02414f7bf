#include "hlswarm/media/playlist.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace hlswarm {

MediaPlaylist::MediaPlaylist(std::int64_t first_seq, double target_duration,
                             std::string init_uri)
    : first_seq_(first_seq), target_duration_(target_duration),
      init_uri_(std::move(init_uri)) {}

std::optional<MediaPlaylist> MediaPlaylist::read(std::string_view text) {
  auto value_after = [](std::string_view line, std::string_view tag) {
    return line.substr(0, tag.size()) == tag
               ? std::optional(line.substr(tag.size()))
               : std::nullopt;
  };
  std::optional<std::int64_t> first_seq;
  double target_duration = 0;
  bool event = false;
  PlaylistType type = PlaylistType::event;
  bool ended = false;
  std::string old_init_uri;
  std::vector<Entry> entries;
  double pending_duration = -1; // of the EXTINF waiting for its URI, if >= 0
  bool pending_discontinuity = false;
  std::string pending_map; // an EXT-X-MAP between segments, for the next
  bool first_line = true;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (first_line) {
      if (line != "#EXTM3U")
        return std::nullopt;
      first_line = false;
      continue;
    }
    if (line.empty())
      continue;
    if (auto sequence = value_after(line, "#EXT-X-MEDIA-SEQUENCE:")) {
      std::int64_t seq = 0;
      const char *last = sequence->data() + sequence->size();
      auto [ptr, ec] = std::from_chars(sequence->data(), last, seq);
      if (ec != std::errc() || ptr != last || seq < 0)
        return std::nullopt;
      first_seq = seq;
    } else if (auto map = value_after(line, "#EXT-X-MAP:URI=\"")) {
      if (map->empty() || map->back() != '"')
        return std::nullopt;
      std::string uri(map->substr(0, map->size() - 1));
      (entries.empty() ? old_init_uri : pending_map) = std::move(uri);
    } else if (auto info = value_after(line, "#EXTINF:")) {
      // strtod wants a terminated string; the value ends at its comma.
      std::string number(info->substr(0, info->find(',')));
      char *stop = nullptr;
      double duration = std::strtod(number.c_str(), &stop);
      if (number.empty() || *stop != '\0' || !(duration >= 0))
        return std::nullopt;
      pending_duration = duration;
    } else if (auto target = value_after(line, "#EXT-X-TARGETDURATION:")) {
      int seconds = 0;
      const char *last = target->data() + target->size();
      auto [ptr, ec] = std::from_chars(target->data(), last, seconds);
      if (ec != std::errc() || ptr != last || seconds <= 0)
        return std::nullopt;
      target_duration = seconds;
    } else if (line == "#EXT-X-DISCONTINUITY") {
      pending_discontinuity = true;
    } else if (line == "#EXT-X-PLAYLIST-TYPE:EVENT") {
      event = true;
    } else if (line == "#EXT-X-PLAYLIST-TYPE:VOD") {
      event = true;
      type = PlaylistType::vod;
    } else if (line == "#EXT-X-ENDLIST") {
      ended = true;
    } else if (line[0] == '#') {
      // A tag this class never writes: someone else's playlist.
      if (!value_after(line, "#EXT-X-VERSION:"))
        return std::nullopt;
    } else {
      if (pending_duration < 0)
        return std::nullopt;
      entries.push_back({std::string(line), pending_duration,
                         pending_discontinuity, std::move(pending_map)});
      pending_duration = -1;
      pending_discontinuity = false;
      pending_map.clear();
    }
  }
  if (!first_seq || !event || pending_duration >= 0 || !pending_map.empty())
    return std::nullopt;
  MediaPlaylist playlist(*first_seq, target_duration, std::move(old_init_uri));
  playlist.entries_ = std::move(entries);
  playlist.ended_ = ended;
  playlist.type_ = type;
  return playlist;
}

std::optional<MediaPlaylist>
MediaPlaylist::continued(std::string_view text, std::int64_t next_seq,
                         double target_duration, std::string_view init_uri) {
  auto playlist = read(text);
  if (!playlist || playlist->current_init_uri() != init_uri ||
      playlist->first_seq_ + static_cast<std::int64_t>(playlist->entries_.size()) !=
          next_seq)
    return std::nullopt;
  playlist->target_duration_ = target_duration;
  playlist->ended_ = false;
  playlist->type_ = PlaylistType::event;
  playlist->discontinuity_next_ = !playlist->entries_.empty();
  return playlist;
}

std::vector<std::string> MediaPlaylist::uris() const {
  std::vector<std::string> uris;
  for (const Entry &entry : entries_)
    uris.push_back(entry.uri);
  return uris;
}

void MediaPlaylist::add(std::string uri, double duration,
                        bool discontinuity) {
  entries_.push_back({std::move(uri), duration,
                      discontinuity || discontinuity_next_,
                      std::move(map_next_)});
  discontinuity_next_ = false;
  map_next_.clear();
}

void MediaPlaylist::set_map(std::string init_uri) {
  if (entries_.empty())
    init_uri_ = std::move(init_uri);
  else if (init_uri != current_init_uri())
    map_next_ = std::move(init_uri);
  else
    map_next_.clear();
}

const std::string &MediaPlaylist::current_init_uri() const {
  if (!map_next_.empty())
    return map_next_;
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry)
    if (!entry->map.empty())
      return entry->map;
  return init_uri_;
}

void MediaPlaylist::raise_target_duration(double seconds) {
  target_duration_ = std::max(target_duration_, seconds);
}

std::string MediaPlaylist::text() const {
  // RFC 8216 4.3.3.1: every EXTINF, rounded to the nearest integer, must be
  // at most the target duration. A GOP longer than the target makes longer
  // segments, so the target grows with them rather than lie.
  long target = std::max(1L, std::lround(std::ceil(target_duration_)));
  for (const Entry &entry : entries_)
    target = std::max(target, std::lround(entry.duration));

  bool maps = !init_uri_.empty() ||
              std::any_of(entries_.begin(), entries_.end(),
                          [](const Entry &entry) { return !entry.map.empty(); });
  // Version 3 for decimal EXTINF; 7 for EXT-X-MAP in a media playlist.
  std::string text = "#EXTM3U\n";
  text += fmt::format("#EXT-X-VERSION:{}\n", maps ? 7 : 3);
  text += fmt::format("#EXT-X-TARGETDURATION:{}\n", target);
  text += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", first_seq_);
  text += fmt::format("#EXT-X-PLAYLIST-TYPE:{}\n",
                      type_ == PlaylistType::vod ? "VOD" : "EVENT");
  if (!init_uri_.empty())
    text += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", init_uri_);
  for (const Entry &entry : entries_) {
    if (entry.discontinuity)
      text += "#EXT-X-DISCONTINUITY\n";
    if (!entry.map.empty())
      text += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", entry.map);
    text += fmt::format("#EXTINF:{:.6f},\n{}\n", entry.duration, entry.uri);
  }
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
