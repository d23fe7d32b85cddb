#!/usr/bin/env python3
"""JSON-line checks for the sandbox integration tests: `checks.py <check> <args...>`.

Each check reads the driver's JSON-line output files, asserts, prints one summary
line and exits 0; any failed assertion exits non-zero with the reason.
"""
import json
import sys


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def events(path, name):
    return [e for e in lines(path) if e["event"] == name]


def produce_consume(d, n, cluster):
    n = int(n)
    sent = events(f"{d}/sent1", "sent") + events(f"{d}/sent2", "sent")
    recv = events(f"{d}/recv", "received")
    assert len(sent) == 2 * n, f"sent {len(sent)} != {2 * n}"
    assert len(recv) == 2 * n, f"received {len(recv)} != {2 * n}"
    by_key = {e["keys"]: e for e in recv}
    assert len(by_key) == 2 * n, "duplicate deliveries"
    own_id_kept = 0
    for s in sent:
        r = by_key.get(s["keys"])
        assert r is not None, "message %s (index %s) never arrived" % (s["keys"], s["index"])
        for k in ("offsetMsgId", "topic", "brokerName", "queueId", "queueOffset", "tags", "bodyLength",
                  "bodySha256"):
            assert r[k] == s[k], "%s: sent %r, received %r" % (k, s[k], r[k])
        p = r["properties"]
        assert p.get("KEYS") == s["keys"] and p.get("TAGS") == s["tags"], p
        if s["index"] < n:
            # Single sends keep the client's message id.
            assert r["msgId"] == s["msgId"] and p.get("UNIQ_KEY") == s["msgId"], (s, r)
            assert p.get("color") == "blue" and p.get("origin") == cluster, p
        else:
            # Batched sends: a 5.x broker appends the batch's own properties (including the
            # batch's UNIQ_KEY) to every inner message, so consumers may see the batch id.
            own_id_kept += r["msgId"] == s["msgId"]
            assert p.get("color") == "green" and "origin" not in p, p
        assert r["reconsumeTimes"] == 0, r
    progress = events(f"{d}/progress", "progress")
    assert progress, "no progress rows"
    total = 0
    for p in progress:
        assert p["consumerOffset"] == p["brokerOffset"], "consumer lags on %s" % p
        total += p["brokerOffset"]
    assert total == 2 * n, "queues hold %d messages, expected %d" % (total, 2 * n)
    print("%s: %d messages verified on %d queues; %d of %d batched messages kept their own msgId"
          % (cluster, len(recv), len(progress), own_id_kept, n))


def route_exists(path, expected, brokers=""):
    r = events(path, "route")[0]
    want = expected == "true"
    assert r["exists"] == want, "route of %s: exists=%s, expected %s" % (r["topic"], r["exists"], want)
    if want and brokers:
        names = sorted(b["brokerName"] for b in r["brokers"])
        assert names == sorted(brokers.split()), "route brokers %s, expected %s" % (names, brokers)
    print("route %s exists=%s" % (r["topic"], r["exists"]))


def progress_queues(path, op, count):
    done = events(path, "done")[-1]
    q, count = done["queues"], int(count)
    ok = {"eq": q == count, "gt": q > count}[op]
    assert ok, "group %s has %d queues with offsets, expected %s %d" % (done["group"], q, op, count)
    print("group %s: %d queues with offsets" % (done["group"], q))


def offline(path):
    c = events(path, "connections")[0]
    assert c["online"] is False and not c["clients"], "group %s is online here: %s" % (c["group"], c)
    print("group %s offline" % c["group"])


def sent_brokers(path, brokers):
    names = sorted({e["brokerName"] for e in events(path, "sent")})
    assert names == sorted(brokers.split()), "messages went to %s, expected %s" % (names, brokers)
    print("produced to %s" % names)


def received_count(path, count):
    got = len(events(path, "received"))
    assert got == int(count), "received %d, expected %s" % (got, count)
    print("received %d" % got)


if __name__ == "__main__":
    check = {
        "produce-consume": produce_consume,
        "route-exists": route_exists,
        "progress-queues": progress_queues,
        "offline": offline,
        "sent-brokers": sent_brokers,
        "received-count": received_count,
    }[sys.argv[1]]
    try:
        check(*sys.argv[2:])
    except AssertionError as e:
        print("check %s failed: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
