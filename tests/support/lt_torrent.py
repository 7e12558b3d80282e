#!/usr/bin/python3
"""Makes and reads torrent files with libtorrent, for btt's interop tests.

Run with Debian's /usr/bin/python3 (python3-libtorrent).

  lt_torrent.py create CONTENT OUT --announce URL --piece-size BYTES [--v1-only|--v2-only]
      writes a torrent of CONTENT (a file or a directory) with
      lt.create_torrent: hybrid (v1 + v2, with pad files) unless --v1-only
      or --v2-only
  lt_torrent.py show TORRENT
      loads TORRENT with lt.torrent_info

Both print one NDJSON record:
  {"type":"lt_torrent","version":V,"v1":HEX|null,"v2":HEX|null,
   "files":[{"path":P,"size":N,"pad":B,"executable":B}, ...]}
"""

import argparse
import json
import os
import sys

import libtorrent as lt


def record(info):
    hashes = info.info_hashes()
    files = info.files()
    listed = []
    for index in range(files.num_files()):
        flags = files.file_flags(index)
        listed.append(
            {
                "path": files.file_path(index),
                "size": files.file_size(index),
                "pad": bool(flags & lt.file_storage.flag_pad_file),
                "executable": bool(flags & lt.file_storage.flag_executable),
            }
        )
    return {
        "type": "lt_torrent",
        "version": lt.__version__,
        "v1": str(hashes.v1) if hashes.has_v1() else None,
        "v2": str(hashes.v2) if hashes.has_v2() else None,
        "files": listed,
    }


def create(args):
    storage = lt.file_storage()
    lt.add_files(storage, args.content)
    flags = 0
    if args.v1_only:
        flags = lt.create_torrent.v1_only
    elif args.v2_only:
        flags = lt.create_torrent.v2_only
    torrent = lt.create_torrent(storage, args.piece_size, flags=flags)
    torrent.add_tracker(args.announce)
    lt.set_piece_hashes(torrent, os.path.dirname(os.path.abspath(args.content)))
    with open(args.out, "wb") as out:
        out.write(lt.bencode(torrent.generate()))
    return lt.torrent_info(args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create")
    make.add_argument("content")
    make.add_argument("out")
    make.add_argument("--announce", required=True)
    make.add_argument("--piece-size", type=int, required=True)
    only = make.add_mutually_exclusive_group()
    only.add_argument("--v1-only", action="store_true")
    only.add_argument("--v2-only", action="store_true")
    show = commands.add_parser("show")
    show.add_argument("torrent")
    args = parser.parse_args()
    info = create(args) if args.command == "create" else lt.torrent_info(args.torrent)
    sys.stdout.write(json.dumps(record(info)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
