# peer-fetch-http.sh with a fragmented MP4 room: the init segment (EXT-X-MAP)
# and the fragments are served as video/mp4.
format=fmp4
source "$HLSWARM_TESTS/swarm/peer-fetch-http.sh"
