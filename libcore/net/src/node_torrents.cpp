// The torrent side of Node: v2 info dicts, seeding, downloading, peers,
// completion and per-block statistics.
#include "node_impl.hpp"

#include <algorithm>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_flags.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/merkle.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {

namespace {

constexpr int block_size = 16 * 1024;



// The pieces root of a v2 torrent's first file; nullopt for anything else.
std::optional<Sha256> pieces_root(const lt::torrent_handle &handle) {
  auto info = handle.torrent_file();
  // libtorrent pads a v2 file to a whole piece with a pad file after it.
  if (!info || !info->info_hashes().has_v2() || info->num_files() < 1 ||
      info->files().pad_file_at(lt::file_index_t{0}))
    return std::nullopt;
  lt::sha256_hash root = info->files().root(lt::file_index_t{0});
  Sha256 bytes;
  std::copy(root.begin(), root.end(), bytes.begin());
  return bytes;
}

// Whether the file of `size` bytes at `file` hashes to `root`.
bool file_hashes_to(const std::filesystem::path &file, std::uint64_t size, const Sha256 &root) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool matches = false;
  try {
    matches = merkle_root_of_file(fd, size, file.string()) == root;
  } catch (const Error &) {
  }
  ::close(fd);
  return matches;
}

// Whether a finished download's file hashes to its pieces root. Every
// piece passed libtorrent's check as it came, yet with a peer that sends
// corrupt blocks libtorrent 2.0.8 has been seen to finish a torrent whose
// file held a failed copy of a piece (1 run in 4 of
// swarm/peer-fetch-corrupt): "verified" must mean these bytes. Hashing
// them costs about a millisecond a megabyte, once per download.
bool file_matches_root(const TorrentState &state, const lt::torrent_handle &handle) {
  auto root = pieces_root(handle);
  if (state.file.empty() || !root)
    return true; // observed only, or nothing of ours to compare with
  return file_hashes_to(state.file, static_cast<std::uint64_t>(state.total_size), *root);
}

// A finished download whose file is not what its root says: libtorrent
// checks the file again, finds the bad pieces and fetches them anew. A
// third bad copy is an error rather than a loop.
void recheck_bad_copy(TorrentState &state, lt::torrent_handle &handle,
                      const std::string &name) {
  constexpr int max_bad_copies = 3;
  if (++state.bad_copies >= max_bad_copies) {
    state.error = fmt::format("the downloaded file did not match its pieces root {} times",
                              state.bad_copies);
    diag::warningf("{}: {}", name, state.error);
    return;
  }
  diag::warningf("{}: the downloaded file does not match its pieces root; checking it "
                 "again and fetching its bad pieces anew",
                 name);
  state.finished = false;
  // The torrent forgets its peers: libtorrent 2.0.8's peer list counts its
  // connect candidates as of when the torrent was finished (seeds were
  // none) and recounts only when it tries to connect, which it does only
  // with a candidate: a recheck that finds a bad piece could leave the
  // torrent waiting forever for a seed it knew (2 of 15 runs of
  // Node.SettlesADownloadOnlyWhenItsFileHashesToTheRoot on a busy
  // machine). Peers given again are fresh candidates.
  handle.clear_peers();
  handle.force_recheck();
}

// A torrent_info from a .torrent file's bytes (one file, v2).
std::shared_ptr<lt::torrent_info> torrent_from_file_bytes(const std::string &torrent_file) {
  lt::error_code ec;
  auto info = std::make_shared<lt::torrent_info>(
      lt::span<char const>(torrent_file.data(),
                           static_cast<std::ptrdiff_t>(torrent_file.size())),
      ec, lt::from_span);
  if (ec)
    throw Error(Exit::data, "info dict", error_text(ec));
  if (!info->info_hashes().has_v2())
    throw Error(Exit::data, "info dict", "not a BitTorrent v2 info dict");
  // libtorrent pads v2 files to a whole piece internally: count real files.
  const auto &files = info->files();
  int real_files = 0;
  for (auto index : files.file_range())
    real_files += files.pad_file_at(index) ? 0 : 1;
  if (real_files != 1 || files.pad_file_at(lt::file_index_t(0)))
    throw Error(Exit::data, "info dict",
                fmt::format("describes {} files, expected one", real_files));
  return info;
}

// A torrent_info from a bare info dict: libtorrent parses .torrent files,
// so the dict is wrapped as the "info" of one.
std::shared_ptr<lt::torrent_info> torrent_from_info_dict(std::string_view info_dict) {
  std::string torrent_file = "d4:info";
  torrent_file += info_dict;
  torrent_file += 'e';
  return torrent_from_file_bytes(torrent_file);
}

// The file's size: total_size() counts the padding libtorrent adds.
std::int64_t content_size(const lt::torrent_info &info) {
  return info.files().file_size(lt::file_index_t(0));
}

} // namespace

std::string make_v2_info_dict(const std::filesystem::path &file, int piece_size) {
  return hash_v2_file(file, file.filename().string(),
                      static_cast<std::uint32_t>(piece_size))
      .info_dict;
}

std::string v2_infohash(std::string_view info_dict) {
  return to_hex(digest_bytes(sha256(info_dict)));
}

std::string Node::Impl::infohash_of(const lt::torrent_handle &handle) const {
  auto hashes = handle.info_hashes();
  return hashes.has_v2() ? to_hex(hashes.v2.to_string()) : std::string();
}

namespace {

lt::add_torrent_params torrent_params(std::shared_ptr<lt::torrent_info> info,
                                      const std::filesystem::path &file) {
  lt::add_torrent_params params;
  params.ti = std::move(info);
  auto path = absolute_path(file);
  params.save_path = path.parent_path().string();
  // The store names files its own way; the info dict's name is only a name.
  params.renamed_files[lt::file_index_t(0)] = path.filename().string();
  // Not auto-managed: libtorrent's queue would hold segments back. No DHT
  // announce per torrent: peers come from the room's membership and the
  // origin, not one DHT lookup per segment per viewer.
  params.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
  params.flags |= lt::torrent_flags::disable_dht;
  // No peer exchange or local discovery on segment torrents: they would
  // hand every viewer the origin's address at once, and a viewer chooses
  // its sources itself (room_viewer.cpp). Room torrents keep both: there
  // they find members.
  params.flags |= lt::torrent_flags::disable_pex | lt::torrent_flags::disable_lsd;
  return params;
}

} // namespace

std::string Node::seed(const std::filesystem::path &file, std::string_view info_dict,
                       const SeedOptions &options) {
  std::string infohash = impl_->seed_file(file, info_dict, {});
  if (options.max_connections <= 0)
    return infohash;
  lt::torrent_handle handle;
  {
    std::lock_guard lock(impl_->mutex);
    handle = impl_->torrents.at(infohash).handle;
  }
  if (handle.is_valid())
    handle.set_max_connections(options.max_connections);
  return infohash;
}

std::string Node::Impl::seed_file(const std::filesystem::path &file,
                                  std::string_view info_dict,
                                  lt::client_data_t userdata, bool peer_exchange) {
  auto info = torrent_from_info_dict(info_dict);
  std::error_code error;
  auto size = std::filesystem::file_size(file, error);
  if (error)
    throw system_error(Exit::no_input, file.string(), error.value());
  if (static_cast<std::int64_t>(size) != content_size(*info))
    throw Error(Exit::data, file.string(),
                fmt::format("is {} bytes, its info dict says {}", size, content_size(*info)));

  if (info->num_pieces() > 1) {
    // A torrent of several pieces is verified piece by piece against its
    // piece layer, which the info dict does not carry: the seed makes it
    // from the file (milliseconds) and serves it to downloaders (BEP 52
    // hash requests).
    SegmentTorrent hashed = hash_v2_file(file, info->name(),
                                         static_cast<std::uint32_t>(info->piece_length()));
    if (hashed.info_dict != info_dict)
      throw Error(Exit::data, file.string(), "does not match its info dict");
    info = torrent_from_file_bytes(hashed.torrent_file());
  }
  auto &impl = *this;
  std::string infohash = to_hex(info->info_hashes().v2.to_string());
  lt::torrent_handle replaced;
  {
    std::lock_guard lock(impl.mutex);
    if (auto it = impl.torrents.find(infohash); it != impl.torrents.end()) {
      // Shared. A torrent added by a download (or an earlier seed) of
      // another file lives on that file, which its owner may delete (a
      // viewer's fetch folder) while this seed still serves: the torrent
      // moves onto this seed's file, which is whole.
      if (it->second.file.empty() || it->second.file == absolute_path(file)) {
        it->second.users += 1;
        return infohash;
      }
      replaced = it->second.handle;
      it->second.users += 1;
      it->second.handle = {};
      it->second.complete = it->second.finished = it->second.checked = false;
      it->second.error.clear();
      it->second.file = absolute_path(file);
      impl.transfer.torrent(infohash).seeding = true;
    }
    auto &state = impl.torrents[infohash];
    state.piece_length = info->piece_length();
    state.total_size = content_size(*info);
    state.file = absolute_path(file);
    auto &record = impl.transfer.torrent(infohash);
    record.name = info->name();
    record.seeding = true;
    record.size = static_cast<std::uint64_t>(content_size(*info));
    if (record.added_ms == 0)
      record.added_ms = unix_time_ms();
  }
  if (replaced.is_valid()) {
    // In order on the network thread: the old torrent is out of the
    // session before the new one is added.
    std::lock_guard held_lock(impl.held_files->mutex);
    impl.held_files->files.erase(infohash);
    impl.session->remove_torrent(replaced);
  }
  lt::error_code ec;
  auto params = torrent_params(info, file);
  params.userdata = userdata;
  if (peer_exchange)
    params.flags &= ~(lt::torrent_flags::disable_pex | lt::torrent_flags::disable_lsd);
  lt::torrent_handle handle = impl.session->add_torrent(std::move(params), ec);
  std::unique_lock lock(impl.mutex);
  auto &state = impl.torrents[infohash];
  if (ec) {
    impl.torrents.erase(infohash);
    throw Error(Exit::data, file.string(), error_text(ec));
  }
  state.handle = handle;

  // Hashing a segment takes milliseconds; until it is done the torrent
  // cannot serve, so a caller that announces it next must wait for it.
  impl.changed.wait_for(lock, std::chrono::seconds(60), [&] {
    return state.complete || !state.error.empty() || (state.checked && !state.finished);
  });
  if (!state.error.empty())
    throw Error(Exit::io, file.string(), state.error);
  if (!state.complete)
    throw Error(Exit::data, file.string(),
                state.checked ? "does not match its info dict" : "still being checked");
  // --peer: a seed connects too, to fill a standard client (a seedbox)
  // that was given the torrent but has no way to find a peer of it. Not
  // through add_torrent_params::peers: measured with libtorrent 2.0.8, a
  // torrent added complete never connected to those.
  for (const auto &peer : impl.peers)
    handle.connect_peer(peer);
  return infohash;
}

std::string Node::Impl::seed_content(const std::string &content,
                                     std::string_view torrent_name,
                                     lt::client_data_t userdata) {
  auto folder = std::filesystem::temp_directory_path() / "hlswarm-rooms";
  make_dirs(folder);
  auto file = folder / to_hex(digest_bytes(sha256(content)));
  if (!std::filesystem::exists(file) || read_whole_file(file) != content)
    write_file_atomically(file, content);
  std::string info_dict = hash_v2_file(file, torrent_name, 0).info_dict;
  return seed_file(file, info_dict, userdata, true);
}

namespace {

// Adds a torrent to fetch into `file` from `peers` (and the options'),
// or, with `observed`, only to see who holds it (Node::observe).
std::string add_fetching(Node::Impl &impl, std::shared_ptr<lt::torrent_info> info,
                         const std::filesystem::path &file,
                         const std::vector<HostPort> &peers,
                         ObservedTorrent *observed,
                         const DownloadOptions &options = {}) {
  std::string infohash = to_hex(info->info_hashes().v2.to_string());
  const int pieces = info->num_pieces();
  auto params = torrent_params(info, file);
  if (options.max_peers > 0)
    params.max_connections = std::max(2, options.max_peers);
  for (const auto &peer : impl.peers)
    params.peers.push_back(peer);
  for (const auto &peer : peers)
    params.peers.push_back(to_endpoint(peer, "peer"));
  if (observed) {
    params.flags |= lt::torrent_flags::upload_mode;
    params.userdata = lt::client_data_t(observed);
  }
  {
    std::lock_guard lock(impl.mutex);
    if (!observed && impl.share_existing(infohash))
      return infohash;
    if (!observed) {
      auto &record = impl.transfer.torrent(infohash);
      record.name = info->name();
      record.size = static_cast<std::uint64_t>(content_size(*info));
      if (record.added_ms == 0)
        record.added_ms = unix_time_ms();
    }
    auto &state = impl.torrents[infohash];
    state.piece_length = info->piece_length();
    state.total_size = content_size(*info);
    if (!observed)
      state.file = absolute_path(file);
  }
  lt::error_code ec;
  lt::torrent_handle handle = impl.session->add_torrent(std::move(params), ec);
  if (ec)
    throw Error(Exit::cant_create, file.string(), error_text(ec));
  if (options.deadline) {
    // Earlier pieces first: a player reads the file from its start.
    int deadline = static_cast<int>(options.deadline->count());
    for (int piece = 0; piece < pieces; ++piece)
      handle.set_piece_deadline(lt::piece_index_t(piece), deadline + piece);
  }
  std::lock_guard lock(impl.mutex);
  impl.torrents[infohash].handle = handle;
  return infohash;
}

} // namespace

std::string Node::download(std::string_view info_dict, const std::filesystem::path &file,
                           const std::vector<HostPort> &peers) {
  return add_fetching(*impl_, torrent_from_info_dict(info_dict), file, peers, nullptr);
}

std::string Node::download(std::string_view info_dict, const std::filesystem::path &file,
                           const DownloadOptions &options) {
  return add_fetching(*impl_, torrent_from_info_dict(info_dict), file, options.peers,
                      nullptr, options);
}

std::optional<DownloadProgress> Node::progress(const std::string &infohash) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->torrents.find(infohash);
  if (it == impl_->torrents.end())
    return std::nullopt;
  DownloadProgress progress;
  progress.size = static_cast<std::uint64_t>(it->second.total_size);
  progress.complete = it->second.complete;
  progress.error = it->second.error;
  progress.file = it->second.file;
  if (const auto *record = impl_->transfer.find(infohash)) {
    progress.verified_bytes = record->downloaded_bytes;
    for (const auto &[ip, peer] : record->peers)
      if (peer.downloaded_bytes > 0)
        progress.from_peers[ip] = peer.downloaded_bytes;
  }
  if (progress.complete)
    progress.verified_bytes = progress.size;
  return progress;
}

int Node::connected_peers(const std::string &infohash) const {
  lt::torrent_handle handle;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->torrents.find(infohash);
    if (it == impl_->torrents.end())
      return 0;
    handle = it->second.handle;
  }
  // A round trip to the network thread, which may wait for the mutex (the
  // transfer counters): outside it.
  return handle.is_valid() ? handle.status({}).num_peers : 0;
}

void Node::connect_peers(const std::string &infohash, const std::vector<HostPort> &peers) {
  std::vector<lt::tcp::endpoint> endpoints;
  for (const auto &peer : peers)
    endpoints.push_back(to_endpoint(peer, "peer"));
  lt::torrent_handle handle;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->torrents.find(infohash);
    if (it == impl_->torrents.end())
      throw Error(Exit::software, infohash, "no such torrent");
    handle = it->second.handle;
  }
  for (const auto &endpoint : endpoints)
    handle.connect_peer(endpoint);
}

bool Node::wait_complete(const std::string &infohash, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  auto done = [&] {
    auto it = impl_->torrents.find(infohash);
    return it == impl_->torrents.end() || it->second.complete || !it->second.error.empty();
  };
  impl_->changed.wait_for(lock, timeout, done);
  auto it = impl_->torrents.find(infohash);
  return it != impl_->torrents.end() && it->second.complete;
}

void Node::on_complete(std::function<void(const std::string &)> handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->complete_handler = std::move(handler);
}

bool Node::Impl::share_existing(const std::string &infohash) {
  auto it = torrents.find(infohash);
  if (it == torrents.end())
    return false;
  it->second.users += 1;
  return true;
}

bool Node::settle_verified(const std::string &infohash) {
  std::filesystem::path file;
  std::uint64_t size = 0;
  lt::torrent_handle handle;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->torrents.find(infohash);
    if (it == impl_->torrents.end() || !it->second.complete || it->second.file.empty())
      return false;
    file = it->second.file;
    size = static_cast<std::uint64_t>(it->second.total_size);
    handle = it->second.handle;
  }
  auto root = pieces_root(handle);
  if (!root)
    return true;
  // A copy of our own: libtorrent keeps its file (and may still write to
  // it), the path gets the bytes that were hashed.
  auto copy = file;
  copy += ".verified";
  copy_file_contents(file, copy, copy.string());
  if (file_hashes_to(copy, size, *root)) {
    std::filesystem::rename(copy, file);
    return true;
  }
  remove_quietly(copy);
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->torrents.find(infohash);
  if (it == impl_->torrents.end())
    return false;
  it->second.complete = false;
  {
    std::lock_guard held_lock(impl_->held_files->mutex);
    impl_->held_files->files.erase(infohash);
  }
  recheck_bad_copy(it->second, handle, impl_->transfer.torrent(infohash).name);
  return false;
}

void Node::on_upload(std::function<void(const std::string &, std::uint64_t)> handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->upload_handler = std::move(handler);
}

void Node::remove(const std::string &infohash) {
  lt::torrent_handle handle;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->torrents.find(infohash);
    if (it == impl_->torrents.end())
      return;
    if (--it->second.users > 0)
      return;
    handle = it->second.handle;
    impl_->torrents.erase(it);
    std::lock_guard held_lock(impl_->held_files->mutex);
    impl_->held_files->files.erase(infohash);
  }
  impl_->session->remove_torrent(handle);
}

std::string Node::observe(std::string_view info_dict,
                          const std::vector<HostPort> &peers) {
  auto info = torrent_from_info_dict(info_dict);
  auto &impl = *impl_;
  std::string infohash = to_hex(info->info_hashes().v2.to_string());
  ObservedTorrent *observed = nullptr;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.observed.empty()) {
      // Both sides of an observer's connection only upload, and libtorrent
      // drops such a connection as redundant when the extension handshakes
      // are read, before the peer's have_all; an observing node keeps it
      // (the peer may still close it, after sending have_all).
      lt::settings_pack keep;
      keep.set_bool(lt::settings_pack::close_redundant_connections, false);
      impl.session->apply_settings(std::move(keep));
    }
    auto &slot = impl.observed[infohash];
    if (!slot)
      slot = std::make_unique<ObservedTorrent>(ObservedTorrent{infohash, impl.holder_log});
    observed = slot.get();
  }
  // Upload mode writes nothing, so the file name is never used.
  return add_fetching(impl, std::move(info),
                      std::filesystem::temp_directory_path() / "hlswarm-observe" / infohash,
                      peers, observed);
}

std::vector<std::string> Node::holders(const std::string &infohash) const {
  std::lock_guard lock(impl_->holder_log->mutex);
  const auto &log = impl_->holder_log->holders;
  auto it = log.find(infohash);
  if (it == log.end())
    return {};
  return {it->second.begin(), it->second.end()};
}

namespace {

// A peer that has all of an observed torrent says so right after the
// handshake (have_all with the fast extension, else a full bitfield). The
// connection may not last: both sides only upload, and one of them closes
// it as redundant, so the message is caught here rather than read later
// from the peer list.
class HolderPeerPlugin final : public lt::peer_plugin {
public:
  HolderPeerPlugin(const ObservedTorrent &torrent, std::string ip)
      : torrent_(torrent), ip_(std::move(ip)) {}
  bool on_have_all() override {
    note();
    return false;
  }
  bool on_bitfield(const lt::bitfield &pieces) override {
    if (pieces.size() > 0 && pieces.all_set())
      note();
    return false;
  }

private:
  void note() {
    std::lock_guard lock(torrent_.log->mutex);
    torrent_.log->holders[torrent_.infohash].insert(ip_);
  }
  const ObservedTorrent &torrent_;
  std::string ip_;
};

class HolderTorrentPlugin final : public lt::torrent_plugin {
public:
  explicit HolderTorrentPlugin(const ObservedTorrent &torrent) : torrent_(torrent) {}
  std::shared_ptr<lt::peer_plugin>
  new_connection(const lt::peer_connection_handle &peer) override {
    return std::make_shared<HolderPeerPlugin>(torrent_,
                                              peer.remote().address().to_string());
  }

private:
  const ObservedTorrent &torrent_;
};

} // namespace

std::function<std::shared_ptr<lt::torrent_plugin>(const lt::torrent_handle &,
                                                  lt::client_data_t)>
holder_extension() {
  return [](const lt::torrent_handle &, lt::client_data_t userdata)
             -> std::shared_ptr<lt::torrent_plugin> {
    auto *observed = userdata.get<ObservedTorrent>();
    if (!observed)
      return nullptr;
    return std::make_shared<HolderTorrentPlugin>(*observed);
  };
}

void Node::Impl::handle_torrent_alert(lt::alert *alert) {
  auto *torrent_alert = dynamic_cast<lt::torrent_alert *>(alert);
  if (!torrent_alert)
    return;
  std::string infohash = infohash_of(torrent_alert->handle);
  auto it = torrents.find(infohash);
  if (infohash.empty() || it == torrents.end())
    return;
  TorrentState &state = it->second;
  // A torrent removed and added again (RoomServer::reseed: from the store's
  // file instead of a fetch's) has the same infohash: the removed one's
  // last alerts, such as a file error once its folder is gone, are not the
  // new one's. (Before add_torrent returns, the handle is not set yet.)
  if (state.handle.is_valid() && state.handle != torrent_alert->handle)
    return;

  // Block alerts carry the peer, so bytes are counted per peer exactly; a
  // block is 16 KiB but the torrent's last one may be shorter.
  auto block_bytes = [&](lt::piece_index_t piece, int block) -> std::uint64_t {
    std::int64_t piece_start = static_cast<int>(piece) * state.piece_length;
    std::int64_t piece_bytes = std::min(state.piece_length, state.total_size - piece_start);
    std::int64_t start = static_cast<std::int64_t>(block) * block_size;
    return static_cast<std::uint64_t>(
        std::clamp<std::int64_t>(piece_bytes - start, 0, block_size));
  };

  auto mark_complete = [&] {
    state.complete = true;
    if (!state.file.empty()) {
      std::lock_guard held_lock(held_files->mutex);
      held_files->files[infohash] = {state.file,
                                     static_cast<std::uint64_t>(state.total_size)};
    }
    auto &record = transfer.torrent(infohash);
    record.complete_ms = unix_time_ms();
    if (record.seeding)
      return;
    std::int64_t blocks_per_piece = state.piece_length / block_size;
    std::int64_t blocks = (state.total_size + block_size - 1) / block_size;
    for (std::int64_t b = 0; b < blocks; ++b) {
      std::pair<int, int> key{static_cast<int>(b / blocks_per_piece),
                              static_cast<int>(b % blocks_per_piece)};
      if (state.counted.count(key))
        continue;
      auto from = state.requested_from.find(key);
      transfer.add_download(infohash,
                            from == state.requested_from.end() ? "unknown" : from->second,
                            block_bytes(lt::piece_index_t(key.first), key.second),
                            record.complete_ms);
    }
    state.requested_from.clear();
    state.counted.clear();
    state.counted_from.clear();
    if (complete_handler)
      complete_handler(infohash);
  };

  switch (alert->type()) {
  case lt::block_downloading_alert::alert_type: {
    auto *a = static_cast<lt::block_downloading_alert *>(alert);
    state.requested_from[{static_cast<int>(a->piece_index), a->block_index}] =
        a->endpoint.address().to_string();
    return;
  }
  case lt::block_finished_alert::alert_type: {
    auto *a = static_cast<lt::block_finished_alert *>(alert);
    if (state.complete || !state.counted.insert({static_cast<int>(a->piece_index), a->block_index}).second)
      return;
    transfer.add_download(infohash, a->endpoint.address().to_string(),
                          block_bytes(a->piece_index, a->block_index), unix_time_ms());
    state.counted_from[static_cast<int>(a->piece_index)].emplace_back(
        a->block_index, a->endpoint.address().to_string());
    return;
  }
  case lt::block_uploaded_alert::alert_type: {
    auto *a = static_cast<lt::block_uploaded_alert *>(alert);
    const auto bytes = block_bytes(a->piece_index, a->block_index);
    transfer.add_upload(infohash, a->endpoint.address().to_string(), bytes);
    if (upload_handler)
      upload_handler(infohash, bytes);
    return;
  }
  case lt::torrent_checked_alert::alert_type:
    // A whole torrent posts torrent_finished_alert before this one.
    state.checked = true;
    if (!state.finished) {
      // libtorrent connects a new torrent's peers on its once-a-second tick
      // (0.5 s per hop on average); resuming a torrent connects to its
      // first peers at once ("connect boost"), and a pause resets the
      // boost. Nothing is connected yet to be lost by the pause.
      torrent_alert->handle.pause();
      torrent_alert->handle.resume();
    }
    return;
  case lt::torrent_finished_alert::alert_type: {
    // All pieces passed their hash check, but the last blocks may still be
    // on their way to disk: a reader of the file must wait for the flush.
    if (!state.finished) {
      state.finished = true;
      torrent_alert->handle.flush_cache();
    }
    return;
  }
  case lt::cache_flushed_alert::alert_type: {
    if (!state.finished || state.complete)
      return;
    if (transfer.torrent(infohash).seeding || file_matches_root(state, torrent_alert->handle))
      mark_complete();
    else
      recheck_bad_copy(state, torrent_alert->handle, transfer.torrent(infohash).name);
    return;
  }
  case lt::torrent_error_alert::alert_type: {
    auto *a = static_cast<lt::torrent_error_alert *>(alert);
    state.error = error_text(a->error);
    diag::warningf("{}: {}", transfer.torrent(infohash).name, state.error);
    return;
  }
  case lt::file_error_alert::alert_type: {
    auto *a = static_cast<lt::file_error_alert *>(alert);
    state.error = fmt::format("{}: {}", a->filename(), error_text(a->error));
    diag::warningf("{}: {}", transfer.torrent(infohash).name, state.error);
    return;
  }
  case lt::peer_ban_alert::alert_type: {
    auto *a = static_cast<lt::peer_ban_alert *>(alert);
    ++peers_banned;
    diag::warningf("{}: banned peer {}: it sent data that failed its hash check",
                   transfer.torrent(infohash).name, endpoint_text(a->endpoint));
    return;
  }
  case lt::hash_failed_alert::alert_type: {
    auto *a = static_cast<lt::hash_failed_alert *>(alert);
    diag::warningf("{}: piece {} failed its hash check", transfer.torrent(infohash).name,
                   static_cast<int>(a->piece_index));
    // Its blocks were counted as they arrived: take them back, so that
    // the bytes per peer are verified bytes and the new copy counts.
    int piece = static_cast<int>(a->piece_index);
    for (const auto &[block, ip] : state.counted_from[piece]) {
      transfer.remove_download(infohash, ip, block_bytes(a->piece_index, block));
      state.counted.erase({piece, block});
    }
    state.counted_from.erase(piece);
    return;
  }
  default:
    return;
  }
}

} // namespace hlswarm
