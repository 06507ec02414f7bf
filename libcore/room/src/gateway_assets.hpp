// What the HLS gateway serves from the program itself, embedded at build
// time (cmake/EmbedFiles.cmake) so that an installed peer-fetch needs no
// data folder: the player page and hls.js.
#pragma once

#include <string_view>

namespace hlswarm {

/// libcore/room/gateway/page.html: the page at "/".
std::string_view gateway_page();
/// third_party/hls.js/hls.min.js: HLS in browsers without native HLS.
std::string_view hls_js();

} // namespace hlswarm
