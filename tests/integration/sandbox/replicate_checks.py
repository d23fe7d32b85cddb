#!/usr/bin/env python3
"""Checks for replicate.sh: `replicate_checks.py <check> <args...>`.

Reads `ferry status --json` answers and the Java driver's JSON-line outputs, asserts, prints one
summary line and exits 0; a failed assertion exits 1 with the reason.
"""
import collections
import glob
import json
import sys

STAMP = ("FERRY_SRC_CLUSTER", "FERRY_SRC_TOPIC", "FERRY_SRC_BROKER", "FERRY_SRC_QID",
         "FERRY_SRC_OFFSET", "FERRY_SRC_STORE_MS")


def events(path, name):
    """The JSON lines of a file whose event is `name`, one at a time (files of 100,000 lines)."""
    with open(path) as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                if e["event"] == name:
                    yield e


def caught_up(status_path, queues, total):
    """The task has `queues` queues, each with checkpoint == source max offset, summing to total."""
    status = json.load(open(status_path))
    assert len(status["tasks"]) == 1, "tasks: %s" % [t["name"] for t in status["tasks"]]
    task = status["tasks"][0]
    assert task["state"] == "running", "task state %s (last_error %s)" % (task["state"],
                                                                         task["last_error"])
    qs = task["queues"]
    assert len(qs) == int(queues), "%d queues, expected %s" % (len(qs), queues)
    maxes = sum(q["source_max_offset"] or 0 for q in qs)
    assert maxes == int(total), "source max offsets sum to %d, expected %s" % (maxes, total)
    behind = [q for q in qs if q["checkpoint"] != q["source_max_offset"] or q["lag_messages"] != 0]
    assert not behind, "%d queue(s) behind, e.g. %s" % (len(behind), behind[0])
    print("caught up: %d queues, %d messages" % (len(qs), maxes))


def replicated(work, source_cluster, kills, max_batch, per_kill="queues"):
    """Every sent message arrived with its body, keys, tags and user properties; per destination
    queue the stamps come from one source queue in increasing order, except resends after a
    kill -9 (or a send retried after a lost acknowledgement), which repeat earlier messages: their
    number is bounded by two batches per queue per kill (per_kill "queues"), or, with per_kill
    "1", by one batch per kill (then `kills` counts the sends whose outcome was unknown).
    Streams the received lines and keeps a few fields per message (replicate_scale.sh checks
    100,000 messages)."""
    kills, max_batch = int(kills), int(max_batch)
    fields = ("keys", "tags", "bodyLength", "bodySha256", "brokerName", "queueId", "queueOffset")
    sent = {}  # msgId -> the sent line's fields
    for path in sorted(glob.glob(work + "/sent-*")):
        if path.endswith(".err"):
            continue
        for s in events(path, "sent"):
            sent[s["msgId"]] = tuple(s[k] for k in fields)
    assert sent, "nothing was sent"
    run = work.rsplit("/", 1)[-1]
    arrived = collections.Counter()
    per_queue = collections.defaultdict(list)  # destination queue -> (offset, source queue, offset)
    received = 0
    for r in events(work + "/recv", "received"):
        received += 1
        s = sent.get(r["msgId"])
        assert s is not None, "a message in the destination that was never sent: %s" % r
        s = dict(zip(fields, s))
        p = r["properties"]
        for k in ("keys", "tags", "bodyLength", "bodySha256"):
            assert r[k] == s[k], "%s of %s: sent %r, received %r" % (k, r["msgId"], s[k], r[k])
        assert p.get("UNIQ_KEY") == r["msgId"], (s, r)
        assert p.get("color") == "blue" and p.get("run") == run, p
        assert all(k in p for k in STAMP), "stamp missing on %s: %s" % (r["msgId"], p)
        assert p["FERRY_SRC_CLUSTER"] == source_cluster, p
        assert p["FERRY_SRC_BROKER"] == s["brokerName"], (s, p)
        assert int(p["FERRY_SRC_QID"]) == s["queueId"], (s, p)
        assert int(p["FERRY_SRC_OFFSET"]) == s["queueOffset"], (s, p)
        assert r["reconsumeTimes"] == 0, r
        arrived[r["msgId"]] += 1
        per_queue[(r["brokerName"], r["queueId"])].append(
            (r["queueOffset"], (p["FERRY_SRC_BROKER"], p["FERRY_SRC_QID"]),
             int(p["FERRY_SRC_OFFSET"])))
    missing = [(i, s) for i, s in sent.items() if i not in arrived]
    if missing:
        i, s = missing[0]
        s = dict(zip(fields, s))
        raise AssertionError("%d message(s) never arrived, e.g. %s (key %s, %s#%s:%s)" % (
            len(missing), i, s["keys"], s["brokerName"], s["queueId"], s["queueOffset"]))

    # Per destination queue, in destination order: one source queue, source offsets increasing;
    # a step back is a resend and every message of it a duplicate of one already there.
    rewinds = 0
    for dq, rs in per_queue.items():
        rs.sort()
        sources = {source for _, source, _ in rs}
        assert len(sources) == 1, "destination queue %s holds %s" % (dq, sorted(sources))
        offsets = [o for _, _, o in rs]
        seen = set()
        high = -1
        for o in offsets:
            if o <= high:
                assert o in seen, "queue %s: source offset %d after %d was never sent before" % (
                    dq, o, high)
            elif high >= 0:
                assert o == high + 1, "queue %s: source offset %d follows %d (gap)" % (dq, o, high)
            seen.add(o)
            high = max(high, o)
        rewinds += sum(1 for a, b in zip(offsets, offsets[1:]) if b <= a)
    duplicates = received - len(sent)
    queues = len(per_queue)
    if per_kill == "queues":
        bound = kills * queues * 2 * max_batch
        why = "kills %d x queues %d x 2 batches of %d" % (kills, queues, max_batch)
    else:
        bound = kills * int(per_kill) * max_batch
        why = "failed sends %d x %s batch(es) of %d" % (kills, per_kill, max_batch)
    assert duplicates <= bound, "%d duplicates, bound %d (%s)" % (duplicates, bound, why)
    print("replicated: %d sent, %d received, %d duplicates (bound %d), %d resend(s), %d queues"
          % (len(sent), received, duplicates, bound, rewinds, queues))


def error_since(status_path, since_ms):
    """The task or one of its queues shows a last_error at or after since_ms (the fault)."""
    status = json.load(open(status_path))
    since_ms = int(since_ms)
    errors = []
    for t in status["tasks"]:
        for where, e in [("task " + t["name"], t["last_error"])] + [
                ("queue %s#%s" % (q["source"]["broker"], q["source"]["queue_id"]), q["last_error"])
                for q in t["queues"]]:
            if e and e["time_ms"] >= since_ms:
                errors.append((where, q_state(t, where), e))
    assert errors, "no last_error since %d" % since_ms
    where, state, e = errors[0]
    print("%d error(s) since the fault, e.g. %s (%s): %s: %s" % (
        len(errors), where, state, e["code"], e["message"]))


def q_state(task, where):
    for q in task["queues"]:
        if where == "queue %s#%s" % (q["source"]["broker"], q["source"]["queue_id"]):
            return q["state"]
    return task["state"]


def committed(progress_path, total):
    """The internal group's committed offsets are at the source's max offsets."""
    rows = list(events(progress_path, "progress"))
    assert rows, "the internal group has no committed offsets"
    behind = [p for p in rows if p["consumerOffset"] != p["brokerOffset"]]
    assert not behind, "checkpoint behind on %s" % behind
    got = sum(p["consumerOffset"] for p in rows)
    assert got == int(total), "checkpoints sum to %d, expected %s" % (got, total)
    print("committed: %d queues at their max offsets (%d messages)" % (len(rows), got))


def route_spread(route_path, brokers, per_broker):
    """The topic exists with per_broker read and write queues on each of `brokers` masters: from
    the driver's `route` answer, or from its `create-topic` answer (which waited until the
    NameServer listed the topic on every master with that many queues)."""
    created = list(events(route_path, "topic-created"))
    if created:
        route = created[0]
        got = {b["brokerName"]: (route["queues"], route["queues"]) for b in route["brokers"]}
    else:
        route = next(events(route_path, "route"))
        assert route["exists"], "no route for %s" % route["topic"]
        got = {q["brokerName"]: (q["readQueueNums"], q["writeQueueNums"]) for q in route["queues"]}
    want = (int(per_broker), int(per_broker))
    assert len(got) == int(brokers), "queues on %d broker(s), expected %s: %s" % (
        len(got), brokers, got)
    bad = {b: n for b, n in got.items() if n != want}
    assert not bad, "read/write queues %s, expected %s on every broker" % (bad, want)
    print("route of %s: %d queues on each of %s" % (route["topic"], int(per_broker),
                                                   ", ".join(sorted(got))))


def spread(recv_path, brokers, queues):
    """Every destination queue of every destination broker received messages, and the mapping is
    the documented one (docs/replication.md, queue mapping; equal counts): the i-th source queue
    in (broker, queue id) order went to the i-th destination queue in the same order."""
    pairs = collections.Counter()
    for r in events(recv_path, "received"):
        p = r["properties"]
        pairs[((p["FERRY_SRC_BROKER"], int(p["FERRY_SRC_QID"])),
               (r["brokerName"], r["queueId"]))] += 1
    sources = sorted({s for s, _ in pairs})
    dests = sorted({d for _, d in pairs})
    assert len(dests) == int(queues), "%d destination queues received messages, expected %s" % (
        len(dests), queues)
    assert len(sources) == int(queues), "messages from %d source queues, expected %s" % (
        len(sources), queues)
    dest_brokers = sorted({b for b, _ in dests})
    assert len(dest_brokers) == int(brokers), "destination brokers %s, expected %s" % (
        dest_brokers, brokers)
    want = set(zip(sources, dests))
    assert set(pairs) == want, "mapping %s, expected %s" % (sorted(pairs), sorted(want))
    print("spread: %s" % ", ".join("%s#%d -> %s#%d: %d" % (s[0], s[1], d[0], d[1], pairs[(s, d)])
                                    for s, d in sorted(pairs)))


if __name__ == "__main__":
    check = {
        "caught-up": caught_up,
        "replicated": replicated,
        "committed": committed,
        "error-since": error_since,
        "route-spread": route_spread,
        "spread": spread,
    }[sys.argv[1]]
    try:
        check(*sys.argv[2:])
    except (AssertionError, KeyError, TypeError, ValueError) as e:
        print("check %s failed: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
