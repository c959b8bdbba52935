"""A small HTTP/1.1 load generator: make bench's fallback when wrk cannot be installed.

Run as its own process, like wrk, and prints the same ``BENCH_JSON {…}`` line as bench/wrk.lua:

    python -m bench.loadgen --url http://127.0.0.1:8000 --requests FILE -c 50 -d 10

FILE has one request a line: ``method \\t path \\t token \\t body``. Each of the ``-c`` keep-alive
connections (asyncio, one thread) sends its next request as soon as the previous answer is read and
rotates through the lines from its own offset. Latency is from the first byte written to the last byte
of the body read. Python spends more CPU per request than wrk, and the load tool shares the cores
with the server, so figures measured with it run lower than wrk's; compare ratios, not absolutes.
"""
import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


def build_requests(path: str, host: str) -> list[bytes]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            method, target, token, body = (line.split("\t") + ["", "", ""])[:4]
            data = body.encode()
            head = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
                    f"Content-Length: {len(data)}"]
            if token:
                head.append(f"Authorization: Bearer {token}")
            out.append(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    return out


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, chunked = 0, False
    for h in lines[1:]:
        name, _, value = h.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _connection(i, host, port, reqs, deadline, latencies, counts):
    pos = i % len(reqs)
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        counts["socket"] += 1
        return
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(reqs[pos])
            pos = (pos + 1) % len(reqs)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            if not 200 <= status < 300:
                counts["status"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        counts["socket"] += 1
    finally:
        writer.close()


async def run(url: str, reqs: list[bytes], connections: int, duration: float) -> dict:
    parts = urlsplit(url)
    latencies: list[float] = []
    counts = {"status": 0, "socket": 0}
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_connection(i, parts.hostname, parts.port or 80, reqs, deadline, latencies, counts)
                           for i in range(connections)))
    took = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return int(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e6) if latencies else 0

    return {"requests": len(latencies), "duration_us": int(took * 1e6), "p50": pct(50), "p95": pct(95),
            "p99": pct(99), "mean": (sum(latencies) / len(latencies) * 1e6) if latencies else 0.0,
            "status_errors": counts["status"], "socket_errors": counts["socket"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--requests", required=True, help="file: method \\t path \\t token \\t body, one a line")
    ap.add_argument("-c", "--connections", type=int, default=50)
    ap.add_argument("-d", "--duration", type=float, default=10)
    args = ap.parse_args()
    parts = urlsplit(args.url)
    reqs = build_requests(args.requests, parts.netloc)
    result = asyncio.run(run(args.url, reqs, args.connections, args.duration))
    print("BENCH_JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
