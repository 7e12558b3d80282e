#!/usr/bin/python3
"""A TCP proxy on 127.0.0.1 that delays each direction by half a round trip,
for benchmarks of far peers (the kernel here has no netem qdisc).

  delay_proxy.py TARGET_HOST:PORT --rtt-ms 200 [--rate-mib 10]

Each chunk read from one side is written to the other RTT/2 after it was
read; order is kept, reading never waits for the delay, so a pipeline of
requests behaves as on a long line. --rate-mib caps each direction of each
connection (a token bucket of one second). Prints
{"type":"listening","addr":"127.0.0.1:PORT"} on stdout, then runs until
killed.
"""

import argparse
import asyncio
import json
import sys
import time

CHUNK = 64 * 1024


async def pump(reader, writer, delay, rate):
    """Copies reader to writer, each chunk `delay` seconds late."""
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    budget, refilled = float(rate or 0), time.monotonic()
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            if rate:
                now = time.monotonic()
                budget = min(rate, budget + (now - refilled) * rate)
                refilled = now
                budget -= len(data)
                if budget < 0:
                    await asyncio.sleep(-budget / rate)
            queue.put_nowait((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0, None))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def handle(client_reader, client_writer, target, delay, rate):
    host, port = target
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer, delay, rate),
                         pump(server_reader, client_writer, delay, rate))


async def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="HOST:PORT to forward to")
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--rate-mib", type=float, default=0, help="per direction, 0: none")
    parser.add_argument("--listen-port", type=int, default=0)
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")
    delay = args.rtt_ms / 2000.0
    rate = args.rate_mib * 1024 * 1024
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, (host, int(port)), delay, rate),
        "127.0.0.1", args.listen_port)
    addr = server.sockets[0].getsockname()
    sys.stdout.write(json.dumps({"type": "listening", "addr": "%s:%d" % addr}) + "\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
