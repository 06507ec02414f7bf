#!/usr/bin/env bash
# Writes a qBittorrent (4.4+, qbittorrent-nox) profile for a client that
# serves hlswarm rooms' segments and talks to nobody else: BitTorrent on
# one address only, DHT, local discovery, peer exchange, UPnP/NAT-PMP and
# the IP geolocation download off, the Web UI on one address without a
# login from this host. Start it with qbittorrent-nox --profile=PROFILE.
#
#   examples/qbittorrent-profile.sh PROFILE BT_IP BT_PORT WEBUI_IP WEBUI_PORT SAVE_DIR
set -euo pipefail
[ $# -eq 6 ] || { sed -n 2,8p "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
profile=$1 bt_ip=$2 bt_port=$3 webui_ip=$4 webui_port=$5 save_dir=$6
mkdir -p "$profile/qBittorrent/config" "$save_dir"
cat >"$profile/qBittorrent/config/qBittorrent.conf" <<EOF
[LegalNotice]
Accepted=true

[BitTorrent]
Session\DHTEnabled=false
Session\LSDEnabled=false
Session\PeXEnabled=false
Session\Port=$bt_port
Session\InterfaceAddress=$bt_ip
Session\DefaultSavePath=$save_dir
Session\QueueingSystemEnabled=false

[Network]
PortForwardingEnabled=false

[Preferences]
Connection\ResolvePeerCountries=false
WebUI\Address=$webui_ip
WebUI\Port=$webui_port
WebUI\LocalHostAuth=false
WebUI\UseUPnP=false
EOF
