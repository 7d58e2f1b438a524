#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway (S3) on
# 127.0.0.1:7480, for tests and for trying the S3 examples by hand.
#
#   scripts/s3-test-server.sh start     # installs Ceph if needed, prints the endpoint and credentials
#   scripts/s3-test-server.sh ensure    # start unless one is already answering
#   scripts/s3-test-server.sh stop
#   scripts/s3-test-server.sh status
#   scripts/s3-test-server.sh install   # only the Debian packages (ceph-mon ceph-osd radosgw curl)
#
# One monitor, one OSD on memstore (data lives in RAM and is gone on stop),
# no cephx between the daemons, and a gateway that checks SigV4 like AWS.
# Ceph's ports are fixed (mon 6789, rgw 7480), so there is one cluster at a
# time; `stop` waits for every daemon to exit, because a new monitor started
# while the old one still holds its port yields "wrong fsid" and a gateway
# that never answers.
set -euo pipefail

DIR=${ESD_CEPH_DIR:-/tmp/esd-ceph}
ENDPOINT=http://127.0.0.1:7480
ACCESS_KEY=${ESD_S3_ACCESS_KEY:-esdtestaccesskey}
SECRET_KEY=${ESD_S3_SECRET_KEY:-esdtestsecretkey0123456789abcdef}
CONF=$DIR/ceph.conf

install() {
  "$(dirname "$0")/ensure-debian-packages.sh" ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw \
    radosgw-admin:ceph-common monmaptool:ceph-base ceph-authtool:ceph-common ceph:ceph-common curl:curl
}

pids() {
  pgrep -f -- "-c $CONF" || true
}

stop() {
  local list
  list=$(pids)
  if [ -n "$list" ]; then
    kill $list 2>/dev/null || true
    for _ in $(seq 1 100); do
      [ -z "$(pids)" ] && break
      sleep 0.1
    done
    list=$(pids)
    [ -n "$list" ] && kill -9 $list 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(pids)" ] && break
      sleep 0.1
    done
  fi
  # Exited is not enough: the ports must be free before the next monitor binds.
  for _ in $(seq 1 100); do
    listening 6789 || listening 7480 || break
    sleep 0.1
  done
  rm -rf "$DIR"
}

listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

try_for() {
  local tries=$1
  shift
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  return 1
}

wait_for() {
  local what=$1 tries=$2
  shift 2
  try_for "$tries" "$@" && return 0
  echo "timed out waiting for $what; logs in $DIR/log" >&2
  tail -n 20 "$DIR"/log/*.log >&2 || true
  exit 1
}

start() {
  install
  stop
  mkdir -p "$DIR"/{mon,osd,rgw,run,log}
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$CONF" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:6789
mon initial members = a
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
ms bind msgr2 = false
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
keyring = $DIR/keyring
[mon]
mon data = $DIR/mon/\$cluster-\$id
[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
# A booting OSD that sends its own CRUSH commands can race its monitor client
# (the command goes out with a zero fsid and the monitor answers "wrong
# fsid"); this script places the OSD in the CRUSH map itself instead.
osd crush update on start = false
osd class update on start = false
memstore device bytes = 2147483648
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:7480
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
CONF
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --addv a "[v1:127.0.0.1:6789]" --fsid "$fsid" "$DIR/monmap" >/dev/null
  mkdir -p "$DIR/mon/ceph-a"
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
  ceph-mon -c "$CONF" -i a
  wait_for monitor 120 ceph -c "$CONF" --connect-timeout 2 mon stat

  # The OSD's uuid is given on both sides: registered in the osdmap and used by
  # mkfs. A boot that still fails is retried.
  local osd osd_uuid up=""
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd=$(ceph -c "$CONF" osd create "$osd_uuid")
  wait_for "osd.$osd in the osdmap" 40 bash -c "ceph -c '$CONF' osd ls | grep -qx '$osd'"
  # Placed in the CRUSH map here rather than by the booting OSD (see the config).
  ceph -c "$CONF" osd crush add "osd.$osd" 1.0 host=localhost root=default >/dev/null 2>&1
  for _attempt in 1 2 3; do
    rm -rf "$DIR/osd/ceph-$osd"
    mkdir -p "$DIR/osd/ceph-$osd"
    ceph-osd -c "$CONF" -i "$osd" --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
    ceph-osd -c "$CONF" -i "$osd" 2>/dev/null || true
    if try_for 80 bash -c "ceph -c '$CONF' osd stat -f json | grep -q '\"num_up_osds\":1'"; then
      up=yes
      break
    fi
    echo "osd.$osd did not come up, retrying" >&2
    pkill -f -- "ceph-osd -c $CONF" || true
    sleep 1
  done
  [ -n "$up" ] || { echo "osd.$osd did not come up; logs in $DIR/log" >&2; tail -n 20 "$DIR"/log/osd.*.log >&2; exit 1; }

  radosgw -c "$CONF" -n client.rgw.a
  wait_for gateway 240 curl -sf "$ENDPOINT"
  users
  echo "S3 endpoint $ENDPOINT  access key $ACCESS_KEY  secret key $SECRET_KEY"
}

# The test user, and one user per test tenant (each tenant's key reaches only
# the buckets it owns: the per-tenant storage tests). Idempotent.
user() {
  radosgw-admin -c "$CONF" user info --uid="$1" >/dev/null 2>&1 && return 0
  radosgw-admin -c "$CONF" user create --uid="$1" --display-name="$1" --access-key="$2" --secret-key="$3" >/dev/null
}

users() {
  user esd-test "$ACCESS_KEY" "$SECRET_KEY"
  user esd-tenant-a esdtenantakey esdtenantasecret0123456789abcdef
  user esd-tenant-b esdtenantbkey esdtenantbsecret0123456789abcdef
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install ;;
  ensure) if curl -sf "$ENDPOINT" >/dev/null; then users; echo "S3 endpoint $ENDPOINT (already running)"; else start; fi ;;
  status) if curl -sf "$ENDPOINT" >/dev/null; then echo "up at $ENDPOINT"; else echo "down"; exit 1; fi ;;
  *) echo "usage: $0 start|ensure|stop|status|install" >&2; exit 2 ;;
esac
