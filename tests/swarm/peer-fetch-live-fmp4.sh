# peer-fetch-live.sh with a fragmented MP4 room: viewers that join at the
# live edge fetch the init segment first, and mpv plays init + fragments.
format=fmp4
source "$HLSWARM_TESTS/swarm/peer-fetch-live.sh"
