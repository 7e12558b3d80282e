#!/usr/bin/python3
"""A libtorrent seeder or leecher on 127.0.0.1 for btt's tests and benchmarks.

Run with Debian's /usr/bin/python3 (python3-libtorrent). DHT, LSD, UPnP,
NAT-PMP, uTP (unless --transport utp) and the default plugins are off (--metadata turns on
ut_metadata, so magnet links can fetch the info dictionary; --pex turns on peer exchange,
ut_pex); --download-limit caps the download rate; the session listens on
127.0.0.1 on the port given (0: the kernel picks) and reports it. Several
peers on 127.0.0.1 are allowed (every test peer has that address).

--dht-bootstrap HOST:PORT (repeatable; "none" for a new network) turns the
DHT on, on the same port over UDP, bootstrapped from those nodes only, with
the settings a DHT of nodes that all share 127.0.0.1 needs (DHT_SETTINGS);
the torrent is announced on it as soon as the node has bootstrapped.

--transport utp turns TCP off and uTP on, both ways (enable_outgoing_tcp and
enable_incoming_tcp false, enable_outgoing_utp and enable_incoming_utp
true): every connection is uTP, on UDP at the listening port. --transport both
turns uTP on beside TCP (libtorrent's defaults).

--encryption forced makes every connection, dialled or accepted, use MSE
with RC4 (out_enc_policy and in_enc_policy pe_forced, allowed_enc_level
pe_rc4): a plain peer is refused.

--log-hash-messages reports each BEP 52 hash message (hash request,
hashes, hash reject) the session sends or receives, from libtorrent's peer
log.

--log-connections reports each connection refused at once (an incoming
TCP connection with TCP off, say) and each connection that ended, so a
test can see a peer's attempt fail instead of waiting for it.

stdout is NDJSON, one record per line, flushed:
  {"type":"listening","addr":"127.0.0.1:PORT"}   first
  {"type":"seeding"}                             data checked, seeding
  {"type":"complete","elapsed":SECONDS}          download finished (leech)
  {"type":"dht_bootstrapped"}                    the DHT node has joined (--dht-bootstrap)
  {"type":"dht_announce","info_hash":HEX,"port":N}  a node announced a peer to ours
  {"type":"hash_message","log":TEXT}             a hash message (--log-hash-messages)
  {"type":"peer_blocked","log":TEXT}             a connection refused (--log-connections)
  {"type":"peer_disconnected","log":TEXT}        a connection ended (--log-connections)
stdin takes commands, one per line: "connect IP:PORT" dials a peer.
A leecher with --exit-on-complete exits 0 after "complete".
"""

import argparse
import json
import os
import select
import sys
import time

import libtorrent as lt


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def parse_addr(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


# By default libtorrent keeps one node per IP in its routing table and in a
# lookup's results (dht_restrict_routing_ips, dht_restrict_search_ips; there
# is no exemption for loopback): on a test network every node is 127.0.0.1,
# so a node that knows two others would drop one. The tests' libtorrent nodes
# each know one other node, and pass with the defaults too; these two are off
# so that a larger test network does not fail for that reason. Measured not
# to matter here, and left at their defaults: dht_prefer_verified_node_ids
# (BEP 42; it only affects bucket splits), dht_ignore_dark_internet,
# dht_extended_routing_table, dht_enforce_node_id.
DHT_SETTINGS = {
    "enable_dht": True,
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
}


# libtorrent's settings for --transport utp.
UTP_ONLY = {
    "enable_outgoing_tcp": False,
    "enable_incoming_tcp": False,
    "enable_outgoing_utp": True,
    "enable_incoming_utp": True,
}


# libtorrent's settings for --encryption forced.
FORCED_ENCRYPTION = {
    "out_enc_policy": int(lt.enc_policy.pe_forced),
    "in_enc_policy": int(lt.enc_policy.pe_forced),
    "allowed_enc_level": int(lt.enc_level.pe_rc4),
    "prefer_rc4": True,
}


def make_session(port, pex, dht_bootstrap, encryption, metadata=False, transport="tcp",
                 log_hashes=False, log_connections=False):
    settings = {
        "listen_interfaces": "127.0.0.1:%d" % port,
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "min_announce_interval": 1,
        "alert_mask": lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification,
        "user_agent": "btt-test-libtorrent",
    }
    if dht_bootstrap:
        nodes = [node for node in dht_bootstrap if node != "none"]
        settings.update(DHT_SETTINGS)
        settings["dht_bootstrap_nodes"] = ",".join(nodes)
        settings["alert_mask"] |= lt.alert.category_t.dht_notification
    if encryption == "forced":
        settings.update(FORCED_ENCRYPTION)
    if transport == "utp":
        settings.update(UTP_ONLY)
    elif transport == "both":
        settings.update(enable_outgoing_utp=True, enable_incoming_utp=True)
    if log_hashes:
        settings["alert_mask"] |= lt.alert.category_t.peer_log_notification
    if log_connections:
        settings["alert_mask"] |= (
            lt.alert.category_t.ip_block_notification | lt.alert.category_t.connect_notification
        )
    session = lt.session(settings, flags=0)
    if pex:
        session.add_extension("ut_pex")
    if metadata:
        session.add_extension("ut_metadata")
    return session


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["seed", "leech"])
    parser.add_argument("torrent", help="a .torrent file, or a magnet link (leech, with --metadata)")
    parser.add_argument("dir", help="directory that holds (or will hold) the content")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--peer", action="append", default=[], help="IP:PORT to dial")
    parser.add_argument("--done-marker", help="file written with the time on completion")
    parser.add_argument("--exit-on-complete", action="store_true")
    parser.add_argument("--pex", action="store_true", help="exchange peers (ut_pex)")
    parser.add_argument("--metadata", action="store_true", help="serve the info dictionary (ut_metadata)")
    parser.add_argument("--download-limit", type=int, default=0, help="bytes/s, 0: none")
    parser.add_argument("--dht-bootstrap", action="append", default=[], help="HOST:PORT or none")
    parser.add_argument("--encryption", choices=["default", "forced"], default="default")
    parser.add_argument("--transport", choices=["tcp", "utp", "both"], default="tcp")
    parser.add_argument("--log-hash-messages", action="store_true", help="report BEP 52 hash messages")
    parser.add_argument("--log-connections", action="store_true",
                        help="report connections refused or ended")
    args = parser.parse_args()

    session = make_session(
        args.port, args.pex, args.dht_bootstrap, args.encryption, args.metadata, args.transport,
        args.log_hash_messages, args.log_connections,
    )
    if args.torrent.startswith("magnet:"):
        params = lt.parse_magnet_uri(args.torrent)
    else:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(args.torrent)
    params.save_path = args.dir
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    handle = session.add_torrent(params)
    if args.download_limit:
        # A torrent limit: the session's would exempt peers on loopback.
        handle.set_download_limit(args.download_limit)

    start = time.monotonic()
    listening = False
    stdin_open = True
    while True:
        for alert in session.pop_alerts():
            if isinstance(alert, lt.listen_succeeded_alert) and not listening:
                listening = True
                emit({"type": "listening", "addr": "127.0.0.1:%d" % session.listen_port()})
            elif isinstance(alert, lt.dht_bootstrap_alert):
                emit({"type": "dht_bootstrapped"})
                handle.force_dht_announce()
            elif isinstance(alert, lt.dht_announce_alert):
                emit({"type": "dht_announce", "info_hash": str(alert.info_hash), "port": alert.port})
            elif isinstance(alert, lt.peer_log_alert) and "HASH" in alert.message():
                emit({"type": "hash_message", "log": alert.message()})
            elif isinstance(alert, lt.peer_blocked_alert):
                emit({"type": "peer_blocked", "log": alert.message()})
            elif isinstance(alert, lt.peer_disconnected_alert):
                emit({"type": "peer_disconnected", "log": alert.message()})
            elif isinstance(alert, lt.listen_failed_alert):
                sys.stderr.write("listen failed: %s\n" % alert.message())
                return 1
            elif isinstance(alert, lt.torrent_error_alert):
                sys.stderr.write("torrent error: %s\n" % alert.message())
                return 1
            elif isinstance(alert, lt.torrent_finished_alert) and args.mode == "leech":
                finished(args, start)
                if args.exit_on_complete:
                    return 0
            elif isinstance(alert, lt.state_changed_alert):
                if alert.state == lt.torrent_status.seeding and args.mode == "seed":
                    emit({"type": "seeding"})
                    for peer in args.peer:
                        handle.connect_peer(parse_addr(peer))
                    args.peer = []
        if args.peer and args.mode == "leech" and listening:
            for peer in args.peer:
                handle.connect_peer(parse_addr(peer))
            args.peer = []
        if stdin_open:
            stdin_open = read_commands(handle)
        session.wait_for_alert(100)


def finished(args, start):
    elapsed = time.monotonic() - start
    if args.done_marker:
        tmp = args.done_marker + ".tmp"
        with open(tmp, "w") as marker:
            marker.write("%.6f\n" % time.time())
        os.rename(tmp, args.done_marker)
    emit({"type": "complete", "elapsed": round(elapsed, 6)})


def read_commands(handle):
    """Applies the commands waiting on stdin; False once stdin is closed."""
    while select.select([sys.stdin], [], [], 0)[0]:
        line = sys.stdin.readline()
        if not line:
            return False
        words = line.split()
        if len(words) == 2 and words[0] == "connect":
            handle.connect_peer(parse_addr(words[1]))
        elif words:
            sys.stderr.write("unknown command: %s" % line)
    return True


if __name__ == "__main__":
    sys.exit(main())
