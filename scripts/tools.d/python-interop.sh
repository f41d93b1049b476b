# shellcheck shell=bash
# A Python venv with Confluent's Python client (confluent-kafka on librdkafka, its schema-registry
# client and fastavro) from PyPI, for the interoperability test's third-party reader.
# Sourced by scripts/tools. Needs python3 (3.10 or newer) with pip and its venv module.

GS_CONFLUENT_KAFKA_VERSION=2.16.1
# Everything confluent-kafka[avro,schemaregistry] pulls in on Python 3.10+, pinned and installed
# without resolving, so a new release upstream cannot change what the test runs. pip check and
# importing the Avro deserializer then show that nothing is missing (pip check skips extras).
_python_interop_requirements=(
  "confluent-kafka==$GS_CONFLUENT_KAFKA_VERSION"
  anyio==4.16.0 attrs==26.1.0 authlib==1.9.10 avro==1.12.2 cachetools==8.0.2
  certifi==2026.10.19.post1 cffi==2.1.1 charset-normalizer==3.5.3 cryptography==50.0.2
  fastavro==1.13.1 h11==0.16.0 httpcore2==2.16.2 httpx2==2.16.2 idna==3.20 joserfc==1.8.0
  pycparser==3.12 requests==2.34.2 truststore==0.10.5 typing-extensions==4.16.0 urllib3==2.8.0
)

_python_interop_dir() { printf '%s\n' "$GS_TOOLS/python-interop-confluent-kafka-$GS_CONFLUENT_KAFKA_VERSION"; }
python_interop_path() { printf '%s\n' "$(_python_interop_dir)/bin/python"; }

python_interop_install() {
  [[ -x "$(python_interop_path)" ]] && return 0
  pinned_venv_install python-interop "$(_python_interop_dir)" 'import confluent_kafka.schema_registry.avro' "${_python_interop_requirements[@]}"
}
