#!/usr/bin/env python3
"""Captures every record of every topic on a Kafka cluster, from the beginning, as JSON lines.

    capture_events.py BROKERS OUT.jsonl [--idle-seconds N] [--topic-prefix PREFIX]

Reads each topic (all but Kafka's internal `__*` topics, so that a record on a topic the AsyncAPI document
does not know is captured too) with partitions assigned explicitly: no consumer group is joined and no
offset is committed, so Ragline's own groups are untouched. Stops once no record has arrived for N idle
seconds (default 5) and every partition has been read up to the high watermark it had at the start.

Each line: {"topic", "partition", "offset", "timestamp_ms", "key", "headers", "value", "value_is_json"}.
`key` is the key as UTF-8 text (null when the record has none), `headers` a dict of UTF-8 header values
(null for a header without a value; when a name repeats, the last one wins, as Ragline reads them),
`value` the parsed JSON value, or the raw text when it is not JSON (`value_is_json` false), or null for a
record without a value. Bytes that are not UTF-8 are written as base64 with `"<field>_encoding": "base64"`.

Needs `confluent_kafka` (PyPI; its wheels bundle librdkafka).
"""

import argparse
import base64
import json
import logging
import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition


def decode_text(data):
    """(text, encoding): UTF-8 text, or base64 when the bytes are not UTF-8."""
    if data is None:
        return None, None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


class OncePerMessage(logging.Filter):
    """Passes each distinct log message once."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def filter(self, record):
        text = record.getMessage().split("|")[-1]
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


def record_line(message):
    key, key_encoding = decode_text(message.key())
    headers = {}
    header_encodings = {}
    for name, raw in message.headers() or []:
        text, encoding = decode_text(raw)
        headers[name] = text
        if encoding:
            header_encodings[name] = encoding
    raw_value = message.value()
    value, value_encoding = decode_text(raw_value)
    value_is_json = False
    if value is not None and value_encoding is None:
        try:
            value = json.loads(value)
            value_is_json = True
        except ValueError:
            pass
    timestamp_type, timestamp = message.timestamp()
    line = {
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "timestamp_ms": timestamp if timestamp_type else None,
        "key": key,
        "headers": headers,
        "value": value,
        "value_is_json": value_is_json,
    }
    if key_encoding:
        line["key_encoding"] = key_encoding
    if header_encodings:
        line["header_encodings"] = header_encodings
    if value_encoding:
        line["value_encoding"] = value_encoding
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("brokers", help="bootstrap servers, host:port[,host:port]")
    parser.add_argument("out", help="JSON-lines file to write")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="stop after this long without a record (default 5)")
    parser.add_argument("--topic-prefix", default="", help="capture only topics whose name starts with this (default: every non-internal topic)")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after this many seconds in all (default 300)")
    args = parser.parse_args()

    # librdkafka logs every refused connection; keep one line per distinct problem.
    logger = logging.getLogger("capture.librdkafka")
    logger.addHandler(logging.StreamHandler(sys.stderr))
    logger.addFilter(OncePerMessage())
    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        # librdkafka wants a group id for a consumer handle; with assign() and no commits the group is never joined.
        "group.id": f"ragline-capture-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "fetch.wait.max.ms": 10,
        "client.id": "ragline-capture-events",
    }, logger=logger)
    try:
        metadata = consumer.list_topics(timeout=15)
        topics = sorted(name for name in metadata.topics if not name.startswith("__") and name.startswith(args.topic_prefix))
        partitions = [
            TopicPartition(name, partition, OFFSET_BEGINNING)
            for name in topics
            for partition in sorted(metadata.topics[name].partitions)
        ]
        if not partitions:
            print(f"capture: no topics on {args.brokers}", file=sys.stderr)
            return 1
        # What must be read at least: each partition's high watermark now.
        pending = {}
        for tp in partitions:
            low, high = consumer.get_watermark_offsets(tp, timeout=10, cached=False)
            if high > low:
                pending[(tp.topic, tp.partition)] = high
        consumer.assign(partitions)

        counts = {}
        written = 0
        started = time.monotonic()
        last_record = time.monotonic()
        with open(args.out, "w", encoding="utf-8") as out:
            while True:
                now = time.monotonic()
                if now - started > args.timeout:
                    print(f"capture: gave up after {args.timeout:.0f} s; {len(pending)} partitions not read to their end", file=sys.stderr)
                    return 1
                if not pending and now - last_record >= args.idle_seconds:
                    break
                message = consumer.poll(0.2)
                if message is None:
                    continue
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        pending.pop((message.topic(), message.partition()), None)
                        continue
                    raise KafkaException(message.error())
                out.write(json.dumps(record_line(message), ensure_ascii=False, sort_keys=True) + "\n")
                written += 1
                counts[message.topic()] = counts.get(message.topic(), 0) + 1
                last_record = time.monotonic()
                high = pending.get((message.topic(), message.partition()))
                if high is not None and message.offset() + 1 >= high:
                    pending.pop((message.topic(), message.partition()), None)
        for topic in topics:
            print(f"capture: {topic}: {counts.get(topic, 0)} records")
        print(f"capture: {written} records from {len(topics)} topics written to {args.out}")
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
