#!/usr/bin/env python3
"""Checks for errors.sh: `error_checks.py <check> <args...>`.

Reads `ferry status --json` answers and the Java driver's JSON-line outputs, asserts, prints one
summary line and exits 0; a failed assertion exits 1 with the reason.
"""
import json
import sys


def task_of(status_path, name):
    status = json.load(open(status_path))
    for t in status["tasks"]:
        if t["name"] == name:
            return t
    raise AssertionError("no task %s in %s" % (name, [t["name"] for t in status["tasks"]]))


def caught_up(status_path, name, queues, total):
    """Task `name` runs with `queues` queues, each at lag 0, source max offsets summing to total."""
    t = task_of(status_path, name)
    assert t["state"] == "running", "task %s: state %s (last_error %s)" % (name, t["state"],
                                                                         t["last_error"])
    qs = t["queues"]
    assert len(qs) == int(queues), "task %s: %d queues, expected %s" % (name, len(qs), queues)
    maxes = sum(q["source_max_offset"] or 0 for q in qs)
    assert maxes == int(total), "task %s: max offsets sum to %d, expected %s" % (name, maxes, total)
    behind = [q for q in qs if q["checkpoint"] != q["source_max_offset"] or q["lag_messages"] != 0]
    assert not behind, "task %s: %d queue(s) behind, e.g. %s" % (name, len(behind), behind[0])
    print("task %s caught up: %d queues, %d messages" % (name, len(qs), maxes))


def has_texts(error, code, texts):
    assert error is not None, "no last_error"
    assert error["code"] == code, "last_error code %s, expected %s: %s" % (error["code"], code,
                                                                          error["message"])
    for text in texts:
        assert text in error["message"], "last_error lacks %r: %s" % (text, error["message"])


def task_error(status_path, name, state, code, *texts):
    """Task `name` is in `state`, has no queue, and its last_error has `code` and every text."""
    t = task_of(status_path, name)
    assert t["state"] == state, "task %s: state %s, expected %s" % (name, t["state"], state)
    assert not t["queues"], "task %s has queues: %s" % (name, t["queues"])
    has_texts(t["last_error"], code, texts)
    print("task %s %s: %s" % (name, state, t["last_error"]["message"]))


def queue_error(status_path, name, queues, pulled, code, *texts):
    """Every queue of task `name` is retrying at checkpoint 0 with `code` and every text in its
    last_error; the source max offsets (seen by pulls) sum to `pulled`."""
    t = task_of(status_path, name)
    qs = t["queues"]
    assert len(qs) == int(queues), "task %s: %d queues, expected %s" % (name, len(qs), queues)
    for q in qs:
        assert q["state"] in ("retrying", "blocked"), "queue state %s: %s" % (q["state"], q)
        assert q["checkpoint"] == 0, "checkpoint moved: %s" % q
        has_texts(q["last_error"], code, texts)
    maxes = sum(q["source_max_offset"] or 0 for q in qs)
    assert maxes == int(pulled), "max offsets sum to %d, expected %s" % (maxes, pulled)
    print("task %s: %d queues %s at checkpoint 0: %s" % (name, len(qs), qs[0]["state"],
                                                         qs[0]["last_error"]["message"]))


def committed_at(progress_path, total, value):
    """The internal group's committed offset is `value` on every queue of a topic holding `total`
    messages. With value 0 a group without any committed offset passes too: through the admin
    API "no offset" reads as 0 (5.x consume stats report 0, a 4.x broker answers 0 while the
    queue's messages are in memory), and both mean the checkpoint did not move from the start."""
    rows = [json.loads(l) for l in open(progress_path) if l.strip()]
    progress = [r for r in rows if r["event"] == "progress"]
    if int(value) == 0 and not progress:
        print("the internal group has no committed offset")
        return
    assert progress, "the internal group has no committed offsets"
    assert sum(p["brokerOffset"] for p in progress) == int(total), progress
    moved = [p for p in progress if p["consumerOffset"] != int(value)]
    assert not moved, "checkpoint is not %s: %s" % (value, moved)
    print("the internal group's committed offsets are %s on all %d queues" % (value, len(progress)))


if __name__ == "__main__":
    check = {
        "caught-up": caught_up,
        "task-error": task_error,
        "queue-error": queue_error,
        "committed-at": committed_at,
    }[sys.argv[1]]
    try:
        check(*sys.argv[2:])
    except (AssertionError, KeyError, TypeError, ValueError, OSError) as e:
        print("check %s failed: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
