// peer-seed: serve the store, keep it within its policy, fetch what should
// be kept.
//
// One thread owns the Store and the rooms' servers and wakes every tick to
// note what was uploaded, pick up what fetches added, and apply the store
// policy; fetches run one at a time on a thread of their own (a RoomViewer
// on the same Node, writing into the store through its own Store object),
// and so do reads of creators' channels, which wait on the DHT.
#include "hlswarm/room/peer_seed.hpp"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/room/creator_channel.hpp"
#include "hlswarm/room/pinner_offer.hpp"
#include "hlswarm/room/room_server.hpp"
#include "hlswarm/room/room_viewer.hpp"
#include "hlswarm/room/video_import.hpp"
#include "hlswarm/store/store.hpp"
#include "hlswarm/store/store_gc.hpp"
#include "hlswarm/store/store_layout.hpp"

namespace hlswarm {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// How often the main thread wakes.
constexpr milliseconds tick{500};
/// How long reading one creator's channel may take.
constexpr milliseconds channel_timeout{15000};
/// Less room than this left for followed creators' videos: the quota is
/// full for them (a segment is about a megabyte).
constexpr std::uint64_t min_follow_budget = 1024 * 1024;

// Bytes uploaded per segment since the last tick, gathered on the Node's
// alert thread, written to the store on the main one.
class UploadLog {
public:
  void add(const std::string &infohash, std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    bytes_[infohash] += bytes;
  }
  std::map<std::string, std::uint64_t> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(bytes_, {});
  }

private:
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> bytes_;
};

/// A room to fetch into the store.
struct FetchJob {
  RoomUri uri;
  bool pin = false;          ///< pin it once it is whole
  std::string why;           ///< "--pin", "pin-creators", "followed"
  /// Fetch only the first segments that fit (a followed creator's video
  /// when the quota is short); nullopt: all of it.
  std::optional<std::uint64_t> max_bytes;
};

/// How a fetch ended.
struct FetchDone {
  FetchJob job;
  bool whole = false;        ///< every segment (of the span) is in the store
  std::int64_t segments = 0; ///< segments fetched in this run
  std::uint64_t bytes = 0;
  std::string error;         ///< why it failed, if it did
  /// Where it downloaded; removed once the room is seeded from the store.
  std::filesystem::path fetch_dir;
};

// The segments from seq 0 whose sizes add up to at most `budget` bytes.
SpanChooser first_part_within(std::uint64_t budget) {
  return [budget](const std::vector<SignedRecord> &records) {
    std::int64_t first = -1, last = -1;
    std::uint64_t total = 0;
    for (const auto &record : records) {
      if (record.fields.end || record.fields.init)
        continue;
      if (total + record.fields.size > budget && first >= 0)
        break;
      total += record.fields.size;
      if (first < 0)
        first = record.fields.seq;
      last = record.fields.seq;
    }
    return std::pair{std::max<std::int64_t>(first, 0), std::max<std::int64_t>(last, 0)};
  };
}

// Runs jobs one after another on a thread of its own, so that the main
// thread keeps serving while a job waits on the network. A job whose key
// is queued or running already is not queued again.
template <typename Job, typename Done> class JobThread {
public:
  using Work = std::function<Done(const Job &)>;
  using KeyOf = std::function<std::string(const Job &)>;

  JobThread(Work work, KeyOf key_of) : work_(std::move(work)), key_of_(std::move(key_of)) {
    thread_ = std::thread([this] { run(); });
  }
  ~JobThread() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  JobThread(const JobThread &) = delete;
  JobThread &operator=(const JobThread &) = delete;

  /// Queues a job unless one with the same key is queued or running.
  bool add(Job job) {
    std::lock_guard lock(mutex_);
    const std::string key = key_of_(job);
    if (key == running_)
      return false;
    for (const auto &queued : queue_)
      if (key_of_(queued) == key)
        return false;
    queue_.push_back(std::move(job));
    wake_.notify_all();
    return true;
  }

  /// The jobs done since the last call, in the order they were done.
  std::vector<Done> take_done() {
    std::lock_guard lock(mutex_);
    return std::exchange(done_, {});
  }

private:
  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_)
          return;
        job = std::move(queue_.front());
        queue_.pop_front();
        running_ = key_of_(job);
      }
      Done done = work_(job);
      std::lock_guard lock(mutex_);
      running_.clear();
      done_.push_back(std::move(done));
    }
  }

  Work work_;
  KeyOf key_of_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::string running_;
  std::vector<Done> done_;
  bool stopping_ = false;
  std::thread thread_; // last: it starts once the rest is built
};

// Fetches rooms into the store, one at a time, each with a RoomViewer on
// the distributor's Node in a folder of its own.
class Fetcher {
public:
  Fetcher(Node &node, ViewOptions base)
      : node_(node), base_(std::move(base)) {
    jobs_.emplace([this](const FetchJob &job) { return fetch(job); },
                  [](const FetchJob &job) { return format_room_uri(job.uri.room); });
  }
  ~Fetcher() {
    jobs_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(base_.fetch_dir, ignored);
  }
  Fetcher(const Fetcher &) = delete;
  Fetcher &operator=(const Fetcher &) = delete;

  /// Queues a fetch unless one of the same room is queued or running.
  bool add(FetchJob job) { return jobs_->add(std::move(job)); }
  std::vector<FetchDone> take_done() { return jobs_->take_done(); }

private:
  FetchDone fetch(const FetchJob &job) {
    FetchDone done;
    done.job = job;
    ViewOptions view = base_;
    view.fetch_dir = base_.fetch_dir / std::to_string(++fetches_);
    if (job.max_bytes)
      view.choose_span = first_part_within(*job.max_bytes);
    try {
      RoomViewer viewer(node_, job.uri, view);
      ViewEvents events;
      events.segment = [&](const ViewedSegment &segment) {
        done.segments += 1;
        done.bytes += segment.record.fields.size;
        return !stop_requested();
      };
      ViewEnd end = viewer.view(events);
      done.whole = end == ViewEnd::ended || end == ViewEnd::span_done;
    } catch (const Error &e) {
      done.error = e.what();
    }
    done.fetch_dir = view.fetch_dir;
    return done;
  }

  Node &node_;
  ViewOptions base_;
  int fetches_ = 0;
  std::optional<JobThread<FetchJob, FetchDone>> jobs_;
};

/// A creator's channel to read, and why.
struct ChannelJob {
  PublicKey creator{};
  bool pinned = false; ///< a creator this distributor pins (else: followed)
};

/// A channel read, or why it could not be.
struct ChannelDone {
  ChannelJob job;
  std::optional<CreatorChannel> channel;
  std::string error;
};

NodeOptions seeder_node_options(const PeerSeedOptions &options) {
  NodeOptions node = make_node_options(options.network, default_listen);
  node.state_file = store_node_state_path(options.store);
  make_dirs(node.state_file.parent_path());
  return node;
}

std::optional<Identity> creator_identity(const PeerSeedOptions &options) {
  const bool needed = !options.dirs.empty() || options.offer_price.has_value();
  if (options.key_file)
    return open_identity(*options.key_file, true);
  auto path = default_key_path();
  if (!needed && !std::filesystem::exists(path))
    return std::nullopt;
  return open_identity(path, needed);
}

class PeerSeeder {
public:
  PeerSeeder(const PeerSeedOptions &options)
      : options_(options), store_(options.store), identity_(creator_identity(options)),
        node_(seeder_node_options(options)) {
    node_.on_upload([this](const std::string &infohash, std::uint64_t bytes) {
      uploads_.add(infohash, bytes);
    });
    ViewOptions view;
    view.fetch_dir = options.store / "fetching" / fmt::format("{}-seed", ::getpid());
    view.store = options.store;
    view.behind = std::numeric_limits<int>::max() / 2; // a live room from seq 0
    view.give_up = options.give_up;
    view.find_timeout = options.give_up;
    view.member_interval = options.member_interval;
    view.count_as_watched = false; // a distributor's fetch is not watching
    std::filesystem::remove_all(view.fetch_dir);
    fetcher_.emplace(node_, std::move(view));
    channel_reader_.emplace([this](const ChannelJob &job) { return read_channel_now(job); },
                            [](const ChannelJob &job) { return public_key_hex(job.creator); });
    head_keeper_.emplace([this](const Room &room) { return keep_room_head(room); },
                         [](const Room &room) { return format_room_uri(room); });
  }

  ~PeerSeeder() {
    head_keeper_.reset();
    channel_reader_.reset();
    fetcher_.reset();
    offer_.reset();
    own_channel_.reset();
    servers_.clear();
    write_accounting();
    node_.stop();
  }

  Exit run() {
    unpin_rooms();
    serve_new_rooms();
    std::vector<std::string> reachable;
    for (const auto &endpoint : reachable_endpoints(node_))
      reachable.push_back(endpoint.to_string());
    // Where viewers reach this node: what a URI's x.pe hint names.
    diag::notef("serving {} rooms ({} segments) from {}, listening on {}", servers_.size(),
                segments_served(), options_.store.string(), fmt::join(reachable, " "));
    for (const auto &uri : options_.pin)
      queue_pin(parse_room_uri(uri, Exit::usage), "--pin");
    const std::size_t imported = import_folders();
    if (stop_requested())
      return Exit::interrupted;
    resume_pins();
    collect_garbage();
    if (imported == 0) // each import published the channel already
      publish_own_channel();
    publish_offer();
    auto next_channel_read = Clock::now();

    const auto deadline = options_.run_for
                              ? Clock::now() + *options_.run_for
                              : Clock::time_point::max();
    auto next_gc = Clock::now() + options_.gc_interval;
    while (!stop_requested()) {
      auto now = Clock::now();
      if (now >= deadline)
        break;
      wait_for_stop(std::min<milliseconds>(
          tick, std::chrono::duration_cast<milliseconds>(deadline - now)));
      write_accounting();
      finish_fetches();
      act_on_channels();
      head_keeper_->take_done(); // each logged its own failure
      if (store_changed())
        serve_new_rooms();
      if (Clock::now() >= next_gc) {
        collect_garbage();
        update_offer();
        next_gc = Clock::now() + options_.gc_interval;
      }
      if (Clock::now() >= next_channel_read) {
        read_channels();
        next_channel_read = Clock::now() + options_.channel_interval;
      }
      node_.set_stats_section("peer_seed", stats());
    }
    if (stop_requested())
      return Exit::interrupted;
    diag::notef("--for is over: stopping");
    request_stop(); // ends a fetch in progress
    return Exit::ok;
  }

private:
  // ---- serving

  bool is_own(const RoomInfo &info) const {
    return identity_ && info.creator == identity_->public_key_hex();
  }

  /// Serves the rooms the store holds that are not served yet, and new
  /// segments of those that are.
  void serve_new_rooms() {
    // A video being imported is a room already, not yet whole.
    std::set<RoomId> importing;
    for (const auto &import : store_.unfinished_imports())
      importing.insert(import.room);
    for (const auto &info : store_.rooms()) {
      if (importing.count(info.id))
        continue;
      auto it = servers_.find(info.id);
      if (it != servers_.end()) {
        if (!it->second->complete())
          it->second->serve_stored();
        continue;
      }
      Room room{*public_key_from_hex(info.creator), info.name};
      // The origin of a finished room only: a live room still growing has
      // its room-announce, whose head a second publisher would fight.
      const bool origin = is_own(info) && (info.ended || info.mode == RoomMode::vod);
      try {
        auto server = std::make_unique<RoomServer>(node_, store_, room, info,
                                                   origin ? &*identity_ : nullptr);
        server->serve_stored();
        server->start_membership(options_.member_interval);
        if (origin && !server->head_withheld())
          server->publish_head();
        servers_.emplace(info.id, std::move(server));
      } catch (const Error &e) {
        diag::warningf("{}: not served: {}", format_room_uri(room), e.what());
        servers_.emplace(info.id, nullptr); // not tried again in this run
      }
    }
    last_totals_ = totals();
  }

  std::pair<std::size_t, std::int64_t> totals() {
    return {store_.rooms().size(), store_.segment_totals().count};
  }

  bool store_changed() { return totals() != last_totals_; }

  std::size_t segments_served() const {
    std::size_t count = 0;
    for (const auto &[id, server] : servers_)
      if (server)
        count += server->segments_served();
    return count;
  }

  void write_accounting() {
    for (const auto &[infohash, bytes] : uploads_.take()) {
      store_.note_served(infohash, bytes);
      store_.note_requested(infohash);
    }
  }

  // ---- imports

  /// --dir: every new video becomes a room, served (and listed in the
  /// channel) as soon as it is whole.
  /// Returns how many videos were imported.
  std::size_t import_folders() {
    if (options_.dirs.empty())
      return 0;
    ImportOptions import;
    import.dirs = options_.dirs;
    import.store = options_.store;
    import.identity = *identity_;
    import.segment_seconds = options_.segment_seconds;
    ImportEvents events;
    events.imported = [&](const ImportedVideo &video) {
      diag::progress_done();
      // Served (seeded, head put) before it is announced: a script that
      // hands the line's room to a viewer at once finds it.
      serve_new_rooms();
      auto line = nlohmann::json::parse(imported_json_line(video));
      line["event"] = "imported";
      write_json_line(line);
      diag::notef("{}: imported as {} ({} segments in {:.1f} s){}", video.path.string(),
                  format_room_uri(video.room), video.segments, video.seconds,
                  video.replaces ? fmt::format(", replacing {} (the file changed)",
                                               *video.replaces)
                                 : std::string());
      publish_own_channel();
    };
    events.skipped = [&](const std::filesystem::path &path, const Error &error) {
      diag::progress_done();
      diag::warningf("{}: skipped: {}", path.string(), error.what());
    };
    events.progress = [&](const std::filesystem::path &path, double fraction) {
      diag::progress(fmt::format("importing {}: {:.0f}%", path.filename().string(),
                                 fraction * 100));
    };
    std::size_t count = import_videos(import, events);
    diag::progress_done();
    if (count == 0)
      diag::note("--dir: no new video to import");
    return count;
  }

  // ---- pins

  void unpin_rooms() {
    for (const auto &text : options_.unpin) {
      RoomUri uri = parse_room_uri(text, Exit::usage);
      auto info = store_.find_room(public_key_hex(uri.room.creator), uri.room.name);
      if (!info) {
        diag::warningf("{}: not in the store: nothing to unpin",
                       format_room_uri(uri.room));
        continue;
      }
      store_.set_room_pinned(info->id, false);
      diag::notef("{}: unpinned (its segments may now be evicted)",
                  format_room_uri(uri.room));
      write_json_line({{"event", "unpinned"}, {"room", format_room_uri(uri.room)}});
    }
  }

  void queue_pin(RoomUri uri, std::string why) {
    const std::string creator = public_key_hex(uri.room.creator);
    auto info = store_.find_room(creator, uri.room.name);
    if (info && info->pinned) {
      auto it = servers_.find(info->id);
      if (it != servers_.end() && it->second && it->second->complete())
        return; // pinned and whole already
    }
    diag::notef("{}: fetching to pin it ({})", format_room_uri(uri.room), why);
    FetchJob job;
    job.uri = std::move(uri);
    job.pin = true;
    job.why = std::move(why);
    fetcher_->add(std::move(job));
  }

  /// A pinned room's head is put again by this node too (signed by its
  /// creator, unchanged), so that viewers find the room on the DHT after
  /// the creator has gone: BEP 44 items expire after about two hours.
  /// Runs on head_keeper_'s thread: the get waits on the DHT.
  bool keep_room_head(const Room &room) {
    try {
      if (auto item = node_.get_item(room.creator, room.name, channel_timeout / 3)) {
        node_.keep_item(*item);
        diag::notef("{}: keeping its head on the DHT for its creator", format_room_uri(room));
        return true;
      }
      diag::warningf("{}: its head is not kept: not found on the DHT", format_room_uri(room));
    } catch (const Error &e) {
      diag::warningf("{}: its head is not kept: {}", format_room_uri(room), e.what());
    }
    return false;
  }

  /// Pinned rooms of other creators: a stopped run left some unfinished,
  /// and the heads of the finished ones are kept again by this run.
  void resume_pins() {
    for (const auto &[id, server] : servers_) {
      if (!server || server->is_origin())
        continue;
      auto info = store_.room(id);
      if (!info || !info->pinned || is_own(*info))
        continue;
      if (server->complete())
        head_keeper_->add(server->room());
      else
        queue_pin(RoomUri{server->room(), {}}, "unfinished");
    }
  }

  void finish_fetches() {
    for (auto &done : fetcher_->take_done()) {
      const std::string uri = format_room_uri(done.job.uri.room);
      reseed(done.job.uri.room);
      std::error_code ignored;
      std::filesystem::remove_all(done.fetch_dir, ignored);
      if (!done.error.empty()) {
        diag::warningf("{}: not fetched ({}): {}", uri, done.job.why, done.error);
        continue;
      }
      if (!done.whole)
        continue; // stopped
      auto info = store_.find_room(public_key_hex(done.job.uri.room.creator),
                                   done.job.uri.room.name);
      if (!info)
        continue;
      if (done.job.pin) {
        store_.set_room_pinned(info->id, true);
        head_keeper_->add(done.job.uri.room);
      }
      serve_new_rooms();
      collect_garbage(); // the new room counts against the quota now
      auto it = servers_.find(info->id);
      std::size_t held = it != servers_.end() && it->second ? it->second->segments_served() : 0;
      diag::notef("{}: {} ({} segments held, {} fetched now)", uri,
                  done.job.pin ? "pinned" : "kept", held, done.segments);
      write_json_line({{"event", done.job.pin ? "pinned" : "kept"},
                       {"room", uri},
                       {"segments", held},
                       {"fetched_bytes", done.bytes},
                       {"why", done.job.why}});
    }
  }

  /// Serves a room the fetcher worked on from the store's files (see
  /// RoomServer::reseed), before the fetch's own files go.
  void reseed(const Room &room) {
    auto info = store_.find_room(public_key_hex(room.creator), room.name);
    if (!info)
      return;
    auto it = servers_.find(info->id);
    if (it != servers_.end() && it->second)
      it->second->reseed();
  }

  // ---- channels: our own, pinned creators', followed creators'

  void publish_own_channel() {
    if (!identity_ || store_.creator_rooms(identity_->public_key_hex()).empty())
      return;
    if (!own_channel_)
      own_channel_.emplace(node_, *identity_, options_.store);
    try {
      auto channel = own_channel_->publish();
      diag::notef("channel of {} rooms published", channel.rooms.size());
    } catch (const Error &e) {
      diag::warningf("channel not published: {}", e.what());
    }
  }

  /// --follow: the creators watched often enough, lately enough, are
  /// followed (their rooms' files evicted last), and the others not.
  void update_follows() {
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const auto &policy = options_.follow_policy;
    for (const auto &creator : store_.creators()) {
      if (identity_ && creator.public_key == identity_->public_key_hex())
        continue;
      bool meets = creator.times_watched >= policy.min_watches && creator.last_watched &&
                   now_s - *creator.last_watched <= policy.within.count();
      if (meets == creator.followed)
        continue;
      store_.set_creator_followed(creator.public_key, meets);
      diag::notef("{} creator {} (watched {} times)", meets ? "following" : "no longer following",
                  creator.public_key, creator.times_watched);
      write_json_line({{"event", meets ? "followed" : "unfollowed"},
                       {"creator", creator.public_key},
                       {"times_watched", creator.times_watched}});
    }
  }

  /// Queues reads of the channels of the creators this distributor pins
  /// and of those the user follows; a read waits on the DHT for up to
  /// channel_timeout, so it runs on a thread of its own.
  void read_channels() {
    if (options_.follow)
      update_follows();
    std::set<std::string> pinned(options_.pin_creators.begin(), options_.pin_creators.end());
    for (const auto &key : pinned)
      if (auto creator = public_key_from_hex(key))
        channel_reader_->add({*creator, true});
    if (options_.follow)
      for (const auto &creator : store_.creators())
        if (creator.followed && !pinned.count(creator.public_key))
          if (auto key = public_key_from_hex(creator.public_key))
            channel_reader_->add({*key, false});
  }

  /// Acts on the channels read since the last tick.
  void act_on_channels() {
    for (auto &done : channel_reader_->take_done()) {
      if (!done.channel) {
        diag::warningf("channel of {}: {}", public_key_hex(done.job.creator), done.error);
        continue;
      }
      if (done.job.pinned)
        pin_finished_rooms(done.job.creator, *done.channel);
      else
        fetch_followed_videos(done.job.creator, std::move(*done.channel));
    }
  }

  ChannelDone read_channel_now(const ChannelJob &job) {
    ChannelDone done;
    done.job = job;
    try {
      done.channel = read_channel(node_, job.creator, channel_timeout,
                                  options_.store / "fetching" /
                                      fmt::format("{}-channels", ::getpid()))
                         .channel;
    } catch (const Error &e) {
      done.error = e.what();
    }
    return done;
  }

  /// A Super Content Distributor pins every ended broadcast and every
  /// prepared video of a paying creator, while its capacity lasts.
  void pin_finished_rooms(const PublicKey &creator, const CreatorChannel &channel) {
    for (const auto &entry : channel.rooms) {
      if (entry.state == RoomState::live)
        continue;
      auto info = store_.find_room(public_key_hex(creator), entry.name);
      if (info && info->pinned && is_complete(info->id))
        continue;
      if (options_.max_size && pinned_bytes_ >= *options_.max_size) {
        if (!said_full_)
          diag::warningf("full: pinned rooms take {} of --max-size {}; not "
                         "pinning {} and later rooms",
                         human_size(pinned_bytes_), human_size(*options_.max_size),
                         format_room_uri(Room{creator, entry.name}));
        said_full_ = true;
        return;
      }
      queue_pin(RoomUri{Room{creator, entry.name}, {}}, "pin-creators");
    }
  }

  /// A follower keeps a followed creator's prepared videos, newest first,
  /// whole or the first part of each, as the quota allows.
  void fetch_followed_videos(const PublicKey &creator, CreatorChannel channel) {
    std::stable_sort(channel.rooms.begin(), channel.rooms.end(),
                     [](const ChannelEntry &a, const ChannelEntry &b) {
                       return a.created_s > b.created_s;
                     });
    for (const auto &entry : channel.rooms) {
      if (entry.state != RoomState::vod)
        continue;
      if (store_.find_room(public_key_hex(creator), entry.name))
        continue; // fetched before (whole or in part), or watched
      FetchJob job;
      job.uri = RoomUri{Room{creator, entry.name}, {}};
      job.why = "followed";
      if (options_.max_size) {
        std::uint64_t kept = pinned_bytes_ + followed_bytes_;
        std::uint64_t budget = *options_.max_size > kept ? *options_.max_size - kept : 0;
        if (budget < min_follow_budget) {
          diag::notef("the quota is full: not fetching {}", format_room_uri(job.uri.room));
          return;
        }
        job.max_bytes = budget;
      }
      if (fetcher_->add(job))
        diag::notef("{}: fetching (followed creator)", format_room_uri(job.uri.room));
      return; // one at a time: the budget is known again after it
    }
  }

  bool is_complete(RoomId id) const {
    auto it = servers_.find(id);
    return it != servers_.end() && it->second && it->second->complete();
  }

  // ---- a distributor's offer

  PinnerOffer offer_now() const {
    PinnerOffer offer;
    offer.price_micros = parse_price(*options_.offer_price, "--offer");
    offer.currency = options_.offer_currency;
    offer.contact = options_.offer_contact;
    std::uint64_t capacity = options_.max_size.value_or(0);
    offer.free_bytes = static_cast<std::int64_t>(
        capacity > pinned_bytes_ ? capacity - pinned_bytes_ : 0);
    return offer;
  }

  void publish_offer() {
    if (!options_.offer_price)
      return;
    offer_.emplace(node_, *identity_, offer_now());
    diag::notef("offering to pin rooms for {} {} per GB-month ({} free)",
                format_price(offer_.value().current().offer.price_micros),
                options_.offer_currency, human_size(*options_.max_size - std::min(*options_.max_size, pinned_bytes_)));
  }

  void update_offer() {
    if (!offer_)
      return;
    auto offer = offer_now();
    if (offer.free_bytes != offer_->current().offer.free_bytes)
      offer_->update(offer);
  }

  // ---- the store's policy

  void collect_garbage() {
    if (!options_.max_size && !options_.max_idle)
      return;
    GcPolicy policy;
    policy.max_size = options_.max_size;
    policy.max_idle = options_.max_idle;
    policy.describe = false;
    std::int64_t removed = 0;
    std::uint64_t bytes = 0;
    GcReport report = store_.collect_garbage(policy, [&](const Eviction &eviction) {
      for (auto &[id, server] : servers_)
        if (server)
          server->forget_segment(eviction.infohash);
      removed += 1;
      bytes += eviction.bytes;
    });
    evicted_ += removed;
    pinned_bytes_ = report.pinned.bytes;
    followed_bytes_ = report.followed.bytes;
    if (removed > 0)
      diag::notef("evicted {} segments ({}) to keep within the store's policy",
                  removed, human_size(bytes));
    if (report.over_quota && !warned_over_quota_) {
      diag::warningf("pinned rooms alone ({}) exceed --max-size: nothing "
                     "pinned is evicted",
                     human_size(report.pinned.bytes));
      warned_over_quota_ = true;
    }
  }

  nlohmann::json stats() const {
    return {{"rooms", servers_.size()},
            {"segments_served", segments_served()},
            {"segments_evicted", evicted_}};
  }

  const PeerSeedOptions &options_;
  Store store_;
  std::optional<Identity> identity_;
  Node node_;
  UploadLog uploads_;
  std::map<RoomId, std::unique_ptr<RoomServer>> servers_;
  std::optional<Fetcher> fetcher_;
  std::optional<JobThread<ChannelJob, ChannelDone>> channel_reader_;
  /// Puts pinned rooms' heads again, signed by their creators.
  std::optional<JobThread<Room, bool>> head_keeper_;
  std::pair<std::size_t, std::int64_t> last_totals_;
  std::int64_t evicted_ = 0;
  bool warned_over_quota_ = false;
  std::uint64_t pinned_bytes_ = 0;   ///< as the last gc run counted
  std::uint64_t followed_bytes_ = 0; ///< as the last gc run counted
  bool said_full_ = false;
  std::optional<ChannelPublisher> own_channel_;
  std::optional<OfferPublisher> offer_;
};

} // namespace

Exit peer_seed(const PeerSeedOptions &options) {
  make_dirs(options.store);
  ProcessLock lock(options.store / "peer-seed.lock");
  if (!lock.held())
    throw Error(Exit::temp_fail, options.store.string(),
                lock.holder()
                    ? fmt::format("another peer-seed (pid {}) serves this store",
                                  lock.holder())
                    : std::string("another peer-seed serves this store"));
  PeerSeeder seeder(options);
  return seeder.run();
}

} // namespace hlswarm
