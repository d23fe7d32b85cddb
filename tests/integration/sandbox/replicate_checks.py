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


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def events(path, name):
    return [e for e in lines(path) if e["event"] == name]


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
    "1", by one batch per kill (then `kills` counts the sends whose outcome was unknown)."""
    kills, max_batch = int(kills), int(max_batch)
    sent = []
    for path in sorted(glob.glob(work + "/sent-*")):
        if path.endswith(".err"):
            continue
        sent += events(path, "sent")
    recv = events(work + "/recv", "received")
    assert sent, "nothing was sent"
    by_id = collections.defaultdict(list)
    for r in recv:
        by_id[r["msgId"]].append(r)
    for s in sent:
        got = by_id.get(s["msgId"])
        assert got, "message %s (key %s, %s#%s:%s) never arrived" % (
            s["msgId"], s["keys"], s["brokerName"], s["queueId"], s["queueOffset"])
        for r in got:
            p = r["properties"]
            for k in ("keys", "tags", "bodyLength", "bodySha256"):
                assert r[k] == s[k], "%s of %s: sent %r, received %r" % (k, s["msgId"], s[k], r[k])
            assert p.get("UNIQ_KEY") == s["msgId"], (s, r)
            assert p.get("color") == "blue" and p.get("run") == work.rsplit("/", 1)[-1], p
            assert all(k in p for k in STAMP), "stamp missing on %s: %s" % (s["msgId"], p)
            assert p["FERRY_SRC_CLUSTER"] == source_cluster, p
            assert p["FERRY_SRC_BROKER"] == s["brokerName"], (s, p)
            assert int(p["FERRY_SRC_QID"]) == s["queueId"], (s, p)
            assert int(p["FERRY_SRC_OFFSET"]) == s["queueOffset"], (s, p)
            assert r["reconsumeTimes"] == 0, r
    sent_ids = {s["msgId"] for s in sent}
    strays = [r for r in recv if r["msgId"] not in sent_ids]
    assert not strays, "%d message(s) in the destination that were never sent, e.g. %s" % (
        len(strays), strays[0])

    # Per destination queue, in destination order: one source queue, source offsets increasing;
    # a step back is a resend and every message of it a duplicate of one already there.
    per_queue = collections.defaultdict(list)
    for r in recv:
        per_queue[(r["brokerName"], r["queueId"])].append(r)
    rewinds = 0
    for dq, rs in per_queue.items():
        rs.sort(key=lambda r: r["queueOffset"])
        sources = {(r["properties"]["FERRY_SRC_BROKER"], r["properties"]["FERRY_SRC_QID"])
                   for r in rs}
        assert len(sources) == 1, "destination queue %s holds %s" % (dq, sorted(sources))
        offsets = [int(r["properties"]["FERRY_SRC_OFFSET"]) for r in rs]
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
    duplicates = len(recv) - len(sent_ids)
    queues = len(per_queue)
    if per_kill == "queues":
        bound = kills * queues * 2 * max_batch
        why = "kills %d x queues %d x 2 batches of %d" % (kills, queues, max_batch)
    else:
        bound = kills * int(per_kill) * max_batch
        why = "failed sends %d x %s batch(es) of %d" % (kills, per_kill, max_batch)
    assert duplicates <= bound, "%d duplicates, bound %d (%s)" % (duplicates, bound, why)
    print("replicated: %d sent, %d received, %d duplicates (bound %d), %d resend(s), %d queues"
          % (len(sent), len(recv), duplicates, bound, rewinds, queues))


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
    rows = events(progress_path, "progress")
    assert rows, "the internal group has no committed offsets"
    behind = [p for p in rows if p["consumerOffset"] != p["brokerOffset"]]
    assert not behind, "checkpoint behind on %s" % behind
    got = sum(p["consumerOffset"] for p in rows)
    assert got == int(total), "checkpoints sum to %d, expected %s" % (got, total)
    print("committed: %d queues at their max offsets (%d messages)" % (len(rows), got))


if __name__ == "__main__":
    check = {
        "caught-up": caught_up,
        "replicated": replicated,
        "committed": committed,
        "error-since": error_since,
    }[sys.argv[1]]
    try:
        check(*sys.argv[2:])
    except (AssertionError, KeyError, TypeError, ValueError) as e:
        print("check %s failed: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
