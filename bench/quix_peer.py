"""A Quix Streams peer of gridstream's clean + feature stages, for the peer benchmark.

Reads Avro Measurement records (Confluent wire format, writer schema fetched from the registry by
id) from --input, and per entity (the message key) drops a record whose ts that entity has already
seen, keeps the last 24 values of values["load"] and writes {"entity", "ts", "load", "mean24"} as
JSON to --output, keyed by entity, exactly-once. The per-entity state lives in Quix's RocksDB
store backed by changelog topics, as our stages keep theirs. Quix creates the output and
changelog topics itself; the input topic must exist.

A record without a "load" value still counts as seen for the dedup and is passed on with
"load": null and the mean of the loads kept so far (null if none), without changing that mean.

Run with the venv of `scripts/tools path quixstreams`:
  python bench/quix_peer.py --brokers 127.0.0.1:19092 \
    --registry http://127.0.0.1:18081/apis/ccompat/v7 \
    --input TOPIC --output TOPIC --group GROUP --state-dir DIR
It runs until SIGTERM or SIGINT, then commits, closes and exits 0.
"""

import argparse
import io
import json
import logging
import struct
import sys
import threading
import urllib.request
import warnings

try:
    # authlib (which confluent-kafka's registry client imports, and quixstreams imports that)
    # sets its deprecation warnings to "always" when first imported and then warns that httpx
    # is deprecated in favour of httpx2; let it do so first, then silence that one warning.
    import authlib.deprecate  # noqa: F401
except ImportError:
    pass
warnings.filterwarnings("ignore", message="The httpx module is deprecated")

import fastavro  # noqa: E402
from quixstreams import Application  # noqa: E402
from quixstreams.models.serializers import (  # noqa: E402
    Deserializer,
    SerializationContext,
    SerializationError,
)

DEDUP_KEEP = 48  # the last ts values of an entity that the dedup remembers
MEAN_KEEP = 24  # the last loads of an entity that mean24 averages

_header = struct.Struct(">bI")


def _strip_logical_types(schema):
    """The schema without logicalType annotations, so that fastavro hands back the underlying
    types (timestamp-millis as int milliseconds, as our stages see it, not datetime)."""
    if isinstance(schema, dict):
        return {k: _strip_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_strip_logical_types(s) for s in schema]
    return schema


class RegistryAvroDeserializer(Deserializer):
    """Confluent wire format (magic byte 0, big-endian schema id, Avro binary body) decoded with
    the writer schema that the registry has under that id, fetched once per id."""

    def __init__(self, registry_url: str, timeout: float = 30.0):
        super().__init__()
        self._url = registry_url.rstrip("/")
        self._timeout = timeout
        self._schemas = {}
        self._lock = threading.Lock()

    def _schema(self, schema_id: int):
        parsed = self._schemas.get(schema_id)
        if parsed is not None:
            return parsed
        with self._lock:
            parsed = self._schemas.get(schema_id)
            if parsed is None:
                url = f"{self._url}/schemas/ids/{schema_id}"
                request = urllib.request.Request(
                    url, headers={"Accept": "application/vnd.schemaregistry.v1+json, application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=self._timeout) as response:
                        body = json.load(response)
                    schema = json.loads(body["schema"])
                except Exception as exc:
                    raise SerializationError(f"schema id {schema_id}: could not fetch it from {url}: {exc}") from exc
                parsed = fastavro.parse_schema(_strip_logical_types(schema))
                self._schemas[schema_id] = parsed
        return parsed

    def __call__(self, value: bytes, ctx: SerializationContext):
        if value is None or len(value) < 5:
            raise SerializationError(f"{ctx.topic}: a value of {0 if value is None else len(value)} bytes is no Confluent-framed Avro")
        magic, schema_id = _header.unpack_from(value)
        if magic != 0:
            raise SerializationError(f"{ctx.topic}: magic byte {magic}, expected 0 (Confluent wire format)")
        return fastavro.schemaless_reader(io.BytesIO(memoryview(value)[5:]), self._schema(schema_id), None)


def clean_and_feature(value, state):
    """Per entity: None for a ts already seen (dropped below), else the output record."""
    ts = value["ts"]
    seen = state.get("seen", [])
    if ts in seen:
        return None
    seen.append(ts)
    if len(seen) > DEDUP_KEEP:
        del seen[:-DEDUP_KEEP]
    state.set("seen", seen)

    load = value["values"].get("load")
    loads = state.get("loads", [])
    if load is not None:
        loads.append(load)
        if len(loads) > MEAN_KEEP:
            del loads[:-MEAN_KEEP]
        state.set("loads", loads)
    return {
        "entity": value["entity"],
        "ts": ts,
        "load": load,
        "mean24": sum(loads) / len(loads) if loads else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", required=True, help="Kafka bootstrap servers, e.g. 127.0.0.1:19092")
    parser.add_argument("--registry", required=True, help="Confluent-compatible registry URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7")
    parser.add_argument("--input", required=True, help="topic of Avro Measurement records, keyed by entity")
    parser.add_argument("--output", required=True, help="topic for the JSON results (created if missing)")
    parser.add_argument("--group", required=True, help="consumer group (also names the transactional id and state)")
    parser.add_argument("--state-dir", required=True, help="directory of the RocksDB state")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Everything else is Quix's default: commit_interval=5.0 s, commit_every=0, changelog topics
    # on, auto_create_topics on (the output topic gets TopicManager's default of 1 partition,
    # replication 1; the changelogs get the input's partition count), consumer_poll_timeout 1 s.
    app = Application(
        broker_address=args.brokers,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        state_dir=args.state_dir,
        loglevel="WARNING",
    )
    source = app.topic(args.input, key_deserializer="str", value_deserializer=RegistryAvroDeserializer(args.registry))
    sink = app.topic(args.output, key_serializer="str", value_serializer="json")

    sdf = app.dataframe(source)
    sdf = sdf.apply(clean_and_feature, stateful=True)
    sdf = sdf.filter(lambda result: result is not None)
    sdf.to_topic(sink)

    app.run()  # returns after SIGTERM/SIGINT, once Quix has committed and closed
    return 0


if __name__ == "__main__":
    sys.exit(main())
