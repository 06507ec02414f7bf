#include "hlswarm/store/store_layout.hpp"

#include <fmt/format.h>

namespace hlswarm {
namespace {

std::filesystem::path chain_folder_file(const std::filesystem::path &store,
                                        std::string_view creator_hex,
                                        std::string_view encoded_name,
                                        std::string_view extension) {
  return store / "chains" / std::string(creator_hex) /
         (std::string(encoded_name) + std::string(extension));
}

} // namespace

std::string segment_file_name(std::string_view infohash,
                              std::string_view extension) {
  return fmt::format("{}/{}/{}{}", store_segments_folder, infohash.substr(0, 2),
                     infohash, extension);
}

std::filesystem::path store_chain_path(const std::filesystem::path &store,
                                       std::string_view creator_hex,
                                       std::string_view encoded_name) {
  return chain_folder_file(store, creator_hex, encoded_name, ".chain");
}

std::filesystem::path store_chain_records_path(const std::filesystem::path &store,
                                               std::string_view creator_hex,
                                               std::string_view encoded_name) {
  return chain_folder_file(store, creator_hex, encoded_name, ".records");
}

std::filesystem::path store_channel_list_path(const std::filesystem::path &store,
                                             std::string_view creator_hex) {
  // No room's file is named so: theirs end in .chain or .records.
  return chain_folder_file(store, creator_hex, "channel", ".list");
}

std::filesystem::path store_import_lock_path(const std::filesystem::path &store) {
  return store / store_imports_folder / "lock";
}

std::filesystem::path store_import_work_path(const std::filesystem::path &store,
                                             std::int64_t id) {
  return store / store_imports_folder / std::to_string(id);
}

std::filesystem::path store_node_state_path(const std::filesystem::path &store) {
  return store / "node" / "dht.state";
}

} // namespace hlswarm
