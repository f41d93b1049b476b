"""Reads a gridstream topic the way a third party would: Confluent's Python client, committed
records only, values decoded through the schema registry. Prints one JSON line per record and
exits once every partition is read to its end.

usage: read_gridstream.py --brokers HOST:PORT --registry URL TOPIC
"""

import argparse
import base64
import datetime
import json
import math
import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(value):
    """A decoded Avro value as strict JSON: NaN and the infinities would not parse elsewhere."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return 'NaN' if math.isnan(value) else ('Infinity' if value > 0 else '-Infinity')
    if isinstance(value, bytes):
        return base64.b64encode(value).decode('ascii')
    if isinstance(value, datetime.datetime):
        # timestamp-millis comes out as an aware UTC datetime; ISO keeps that visible.
        return value.isoformat(timespec='milliseconds')
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--brokers', required=True)
    parser.add_argument('--registry', required=True, help='Confluent-compatible API, e.g. .../apis/ccompat/v7')
    parser.add_argument('--timeout-s', type=float, default=60)
    parser.add_argument('topic')
    args = parser.parse_args()

    deserialize = AvroDeserializer(SchemaRegistryClient({'url': args.registry}))
    consumer = Consumer({
        'bootstrap.servers': args.brokers,
        # Assigned, not subscribed: no group join and no commits; librdkafka still wants an id.
        'group.id': f'interop-reader-{uuid.uuid4().hex[:8]}',
        'enable.auto.commit': False,
        'isolation.level': 'read_committed',
        # With read_committed the end is the last stable offset, past any transaction markers.
        'enable.partition.eof': True,
    })
    try:
        metadata = consumer.list_topics(args.topic, timeout=10).topics[args.topic]
        if metadata.error is not None:
            sys.exit(f'{args.topic}: {metadata.error}')
        partitions = sorted(metadata.partitions)
        consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in partitions])
        at_end = set()
        context = SerializationContext(args.topic, MessageField.VALUE)
        deadline = time.monotonic() + args.timeout_s
        while len(at_end) < len(partitions):
            if time.monotonic() > deadline:
                sys.exit(f'{args.topic}: partitions {sorted(set(partitions) - at_end)} not read to their end in {args.timeout_s}s')
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    continue
                sys.exit(f'{args.topic}: {message.error()}')
            key = message.key()
            print(json.dumps({
                'partition': message.partition(),
                'offset': message.offset(),
                'key': None if key is None else key.decode('utf-8'),
                'value': plain(deserialize(message.value(), context)),
            }, allow_nan=False), flush=True)
    finally:
        consumer.close()


if __name__ == '__main__':
    main()
