# CPack: `cpack -G DEB` in the build folder (scripts/package) makes
# hlswarm_VERSION_ARCH.deb from the install rules (cmake/HlswarmInstall.cmake).
# Its runtime dependencies (libtorrent-rasterbar2.0, libavformat59, ...) are
# not listed here: dpkg-shlibdeps reads them off the programs, so they follow
# whatever the programs really link.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hlswarm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "hlswarm developers <hlswarm-devel@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "peer-to-peer HLS video distribution from the command line")
set(CPACK_PACKAGE_DESCRIPTION
  "hlswarm cuts video into HLS segments (seg-split), signs them into a chain of
records (seg-chain), keeps a local store of segments within its quota
(store-gc) and announces a room whose segments viewers fetch from each
other over BitTorrent v2 and the mainline DHT (room-announce).")
set(CPACK_PACKAGE_INSTALL_DIRECTORY hlswarm)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debian ships stripped programs (their debug info would be a -dbgsym
# package); the build folder keeps its unstripped copies.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
