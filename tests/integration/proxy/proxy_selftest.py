#!/usr/bin/env python3
"""Helper for tcp_proxy_selftest.sh (Python 3 stdlib only).

    proxy_selftest.py echo-server            # prints {"port":N}, echoes every byte back
    proxy_selftest.py checks PROXY_PORT CONTROL_PORT CAPTURE_DIR

`checks` drives tools/tcp-proxy through its control socket and exits non-zero on the first
failed expectation. Waits are polls with deadlines; the only fixed waits are the short
"nothing arrives" windows of the negative checks (pause, blackhole), which cannot be polled.
"""

import asyncio
import json
import os
import select
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
QUIET_WINDOW = 0.5  # seconds a negative check waits for bytes that must not arrive


# ---------------------------------------------------------------------------------------------
# echo server

async def echo_main():
    async def handle(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, 0)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------------------------------
# frames

def json_frame(header, body=b""):
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack(">ii", 4 + len(h) + len(body), len(h)) + h + body


def binary_frame(code, lang, version, opaque, flag, remark, ext, body=b""):
    r = remark.encode()
    e = b"".join(struct.pack(">h", len(k.encode())) + k.encode() + struct.pack(">i", len(v.encode()))
                 + v.encode() for k, v in ext.items())
    h = struct.pack(">hbhiii", code, lang, version, opaque, flag, len(r)) + r \
        + struct.pack(">i", len(e)) + e
    return struct.pack(">ii", 4 + len(h) + len(body), (1 << 24) | len(h)) + h + body


FRAMES = [
    ({"code": 105, "extFields": {"topic": "T"}, "flag": 0, "language": "JAVA", "opaque": 7,
      "serializeTypeCurrentRPC": "JSON", "version": 479}, b""),
    ({"code": 0, "flag": 1, "language": "JAVA", "opaque": 7, "remark": "ok",
      "serializeTypeCurrentRPC": "JSON", "version": 479}, bytes(range(256)) * 40),
    ("binary", b"xyz"),
    ({"code": 34, "flag": 2, "language": "CPP", "opaque": 8, "version": 401}, b"\x00"),
]


def build_frames():
    out = []
    for header, body in FRAMES:
        if header == "binary":
            out.append(binary_frame(11, 0, 479, 9, 0, "r", {"a": "1", "queueId": "3"}, body))
        else:
            out.append(json_frame(header, body))
    return out


# ---------------------------------------------------------------------------------------------
# client helpers

class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def connect(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exactly(s, n, deadline=5.0):
    end = time.monotonic() + deadline
    buf = b""
    while len(buf) < n:
        left = end - time.monotonic()
        if left <= 0:
            raise Fail(f"timed out after {len(buf)} of {n} bytes")
        s.settimeout(left)
        try:
            chunk = s.recv(n - len(buf))
        except socket.timeout:
            continue
        if not chunk:
            raise Fail(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def nothing_arrives(s, window=QUIET_WINDOW):
    r, _, _ = select.select([s], [], [], window)
    return not r


def reset_observed(s, deadline=5.0):
    """True if the peer reset the connection (RST), False if it closed normally (FIN)."""
    s.settimeout(deadline)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return False
    except ConnectionResetError:
        return True


class Control:
    def __init__(self, port):
        self.port = port

    def __call__(self, line):
        with socket.create_connection((HOST, self.port), timeout=5) as s:
            s.sendall(line.encode() + b"\n")
            f = s.makefile("rb")
            reply = f.readline().decode().strip()
        if not reply.startswith("ok"):
            raise Fail(f"control {line!r} answered {reply!r}")
        return reply[3:]

    def status(self):
        return json.loads(self("status"))


def read_index(capture_dir):
    path = os.path.join(capture_dir, "index.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def poll(cond, what, deadline=5.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise Fail(f"timed out waiting for {what}")


# ---------------------------------------------------------------------------------------------
# checks

def check_capture(port, ctl, capture_dir):
    """Frames sent in odd-sized pieces are captured whole, verbatim, in both directions."""
    frames = build_frames()
    stream = b"".join(frames)
    sizes = [1, 3, 7, 2, 5, 11, 13, 4096 + 13, 1, 29, 600]
    with connect(port) as s:
        pos, i = 0, 0
        while pos < len(stream):
            n = sizes[i % len(sizes)]
            s.sendall(stream[pos:pos + n])
            pos += n
            i += 1
            time.sleep(0.002)  # let the proxy see separate reads at these odd boundaries
        echoed = recv_exactly(s, len(stream))
        expect(echoed == stream, "echoed bytes differ from what was sent")
    entries = poll(lambda: (lambda e: e if len(e) >= 2 * len(frames) else None)(
        [x for x in read_index(capture_dir) if x["conn"] == 1]), "index entries of conn 1")
    for direction in ("c2s", "s2c"):
        got = [x for x in entries if x["direction"] == direction]
        expect(len(got) == len(frames), f"{direction}: {len(got)} frames indexed, want {len(frames)}")
        for frame, entry, (header, body) in zip(frames, got, FRAMES):
            with open(os.path.join(capture_dir, entry["file"]), "rb") as f:
                expect(f.read() == frame, f"{entry['file']} is not the frame sent")
            expect(entry["length"] == len(frame) - 4, f"{entry['file']}: length")
            expect(entry["body_length"] == len(body), f"{entry['file']}: body_length")
            if header == "binary":
                expect(entry["serialize_type"] == "ROCKETMQ" and entry["header"] is None,
                       f"{entry['file']}: binary header type")
                expect((entry["code"], entry["opaque"], entry["flag"], entry["version"],
                        entry["language"], entry["remark"], entry["extFields"])
                       == (11, 9, 0, 479, "JAVA", "r", {"a": "1", "queueId": "3"}),
                       f"{entry['file']}: decoded binary header {entry}")
            else:
                expect(entry["serialize_type"] == "JSON", f"{entry['file']}: JSON type")
                expect(json.loads(entry["header"]) == header, f"{entry['file']}: header text")
                expect((entry["code"], entry["opaque"], entry["flag"])
                       == (header["code"], header["opaque"], header["flag"]),
                       f"{entry['file']}: code/opaque/flag")
                expect(entry["response"] == bool(header["flag"] & 1), "response bit")
    names = sorted(x["file"] for x in entries)
    expect(names[0].startswith("0001-000001-"), f"file naming: {names[0]}")


def check_forward_and_pause(port, ctl):
    with connect(port) as s:
        payload = b"hello" * 20000
        s.sendall(payload)
        expect(recv_exactly(s, len(payload)) == payload, "forwarded bytes differ")
        ctl("pause")
        expect(ctl.status()["paused"] == ["c2s", "s2c"], "status after pause")
        s.sendall(b"held")
        expect(nothing_arrives(s), "bytes arrived while paused")
        ctl("resume")
        expect(recv_exactly(s, 4) == b"held", "held bytes not delivered after resume")
        # Pausing one direction only: the request reaches the echo server, the answer waits.
        ctl("pause s2c")
        s.sendall(b"half")
        expect(nothing_arrives(s), "bytes arrived while s2c paused")
        ctl("resume s2c")
        expect(recv_exactly(s, 4) == b"half", "s2c bytes not delivered after resume")


def check_delay(port, ctl):
    with connect(port) as s:
        ctl("delay 300")
        t0 = time.monotonic()
        s.sendall(b"slow")
        expect(recv_exactly(s, 4) == b"slow", "delayed bytes differ")
        rtt = time.monotonic() - t0
        # A lower bound only: 300 ms each way cannot arrive sooner.
        expect(rtt >= 0.55, f"round trip {rtt:.3f}s shorter than the 2 x 300 ms delay")
        ctl("delay 0")
        s.sendall(b"fast")
        expect(recv_exactly(s, 4) == b"fast", "bytes after delay 0")


def check_drop(port, ctl):
    a, b = connect(port), connect(port)
    try:
        for s in (a, b):
            s.sendall(b"x")
            expect(recv_exactly(s, 1) == b"x", "echo before drop")
        poll(lambda: ctl.status()["connections"] >= 2, "two connections in status")
        n = int(ctl("drop").split()[1])
        expect(n >= 2, f"drop closed {n} connections")
        for s in (a, b):
            expect(reset_observed(s), "drop closed with FIN, want RST")
    finally:
        a.close()
        b.close()
    poll(lambda: ctl.status()["connections"] == 0, "no connections after drop")
    with connect(port) as s:
        s.sendall(b"again")
        expect(recv_exactly(s, 5) == b"again", "new connection after drop")


def check_refuse(port, ctl):
    ctl("refuse on")
    try:
        connect(port).close()
        raise Fail("connect succeeded while refuse on")
    except ConnectionRefusedError:
        pass
    ctl("refuse off")
    with connect(port) as s:
        s.sendall(b"back")
        expect(recv_exactly(s, 4) == b"back", "echo after refuse off")
    ctl("refuse reset")
    with connect(port) as s:
        # The RST may arrive before our send: the kernel then reports ECONNRESET once, on the
        # send, and a later recv sees a plain end of stream. Either report is the reset.
        try:
            s.sendall(b"x")
            reset = reset_observed(s)
        except ConnectionResetError:
            reset = True
        expect(reset, "refuse reset closed with FIN, want RST")
    ctl("refuse off")
    with connect(port) as s:
        s.sendall(b"ok")
        expect(recv_exactly(s, 2) == b"ok", "echo after refuse reset/off")


def check_blackhole(port, ctl, capture_dir):
    existing = connect(port)
    try:
        existing.sendall(b"1")
        expect(recv_exactly(existing, 1) == b"1", "echo before blackhole")
        before = ctl.status()
        ctl("blackhole on")
        frame = json_frame({"code": 106, "flag": 0, "language": "JAVA", "opaque": 4242,
                            "version": 479})
        with connect(port) as s:
            s.sendall(frame)
            expect(nothing_arrives(s), "blackholed connection got an answer")
            after = ctl.status()
            expect(after["upstream_connects"] == before["upstream_connects"],
                   "blackholed connection reached the target")
            expect(after["blackholed"] == before["blackholed"] + 1, "blackholed counter")
        poll(lambda: any(x.get("opaque") == 4242 and x["direction"] == "c2s"
                         for x in read_index(capture_dir)), "capture of blackholed request")
        existing.sendall(b"swallowed")
        expect(nothing_arrives(existing), "existing connection forwarded during blackhole")
        ctl("blackhole off")
        existing.sendall(b"2")
        expect(recv_exactly(existing, 1) == b"2", "existing connection after blackhole off")
    finally:
        existing.close()
    with connect(port) as s:
        s.sendall(b"fresh")
        expect(recv_exactly(s, 5) == b"fresh", "new connection after blackhole off")


def checks(port, control_port, capture_dir):
    ctl = Control(control_port)
    tests = [("capture_split_frames", lambda: check_capture(port, ctl, capture_dir)),
             ("forward_pause_resume", lambda: check_forward_and_pause(port, ctl)),
             ("delay", lambda: check_delay(port, ctl)),
             ("drop_rst", lambda: check_drop(port, ctl)),
             ("refuse", lambda: check_refuse(port, ctl)),
             ("blackhole", lambda: check_blackhole(port, ctl, capture_dir))]
    passed = 0
    for name, fn in tests:
        try:
            fn()
        except (Fail, OSError) as e:
            print(f"FAIL {name}: {e!r}", flush=True)
            print(f"{passed} passed, 1 failed", flush=True)
            return 1
        print(f"PASS {name}", flush=True)
        passed += 1
    print(f"{passed} passed, 0 failed", flush=True)
    return 0


def main():
    if sys.argv[1:2] == ["echo-server"]:
        try:
            asyncio.run(echo_main())
        except KeyboardInterrupt:
            pass
        return 0
    if sys.argv[1:2] == ["checks"] and len(sys.argv) == 5:
        return checks(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
