# shellcheck shell=bash
# A Python venv with Quix Streams (on confluent-kafka/librdkafka and RocksDB through rocksdict)
# and fastavro from PyPI, for the peer benchmark's Quix Streams application (bench/quix_peer.py).
# Sourced by scripts/tools. Needs python3 (3.10 or newer) with pip and its venv module.

GS_QUIXSTREAMS_VERSION=3.28.1
# Everything quixstreams pulls in on Python 3.11 (its confluent-kafka[avro,json,protobuf,
# schemaregistry] extras included; confluent-kafka is held below 2.13 by quixstreams itself),
# plus fastavro for the peer's Avro decoding, pinned and installed without resolving, so a new
# release upstream cannot change what the benchmark runs. pip check skips extras, so the import
# test below also loads confluent-kafka's schema-registry serdes, which need them.
_quixstreams_requirements=(
  "quixstreams==$GS_QUIXSTREAMS_VERSION"
  annotated-types==0.8.0 anyio==4.16.0 attrs==26.1.0 authlib==1.9.10 avro==1.12.2
  cachetools==8.0.2 certifi==2026.10.19.post1 cffi==2.1.1 charset-normalizer==3.5.3
  confluent-kafka==2.12.2 cryptography==50.0.2 fastavro==1.13.1 googleapis-common-protos==1.76.0
  h11==0.16.0 httpcore==1.0.9 httpx==0.28.1 idna==3.20 joserfc==1.8.0 jsonlines==4.0.0
  jsonpath-ng==1.16.0 jsonschema==4.26.0 jsonschema-specifications==2025.9.1
  markdown-it-py==4.3.0 mdurl==0.1.2 orjson==3.13.0 protobuf==7.36.2 pycparser==3.12
  pydantic==2.13.5 pydantic-core==2.46.5 pydantic-settings==2.15.0 pygments==2.21.0
  pyrsistent==0.20.0 python-dotenv==1.2.4 referencing==0.37.0 requests==2.34.2 rich==15.0.0
  rocksdict==0.3.29 rpds-py==2026.9.1 typing-extensions==4.16.0 typing-inspection==0.4.5
  urllib3==2.8.0
)

_quixstreams_dir() { printf '%s\n' "$GS_TOOLS/quixstreams-$GS_QUIXSTREAMS_VERSION"; }
quixstreams_path() { printf '%s\n' "$(_quixstreams_dir)/bin/python"; }

quixstreams_install() {
  [[ -x "$(quixstreams_path)" ]] && return 0
  # authlib 1.9 warns on import that httpx is deprecated for httpx2 (its warnings are set to
  # "always", past -W): harmless, as quixstreams' confluent-kafka uses httpx; the filter keeps
  # the install quiet.
  pinned_venv_install quixstreams "$(_quixstreams_dir)" 'import warnings, authlib.deprecate
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
import quixstreams, fastavro
import confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.json_schema, confluent_kafka.schema_registry.protobuf' "${_quixstreams_requirements[@]}"
}
