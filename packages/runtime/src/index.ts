export { dlqReasons, GridstreamError, RegistryUnavailableError, UndecodableError, type DlqReason } from './errors.js';
export { ConfigError, parseConfig } from './config.js';
export { deadLetterHeaders, type DeadLetterContext } from './dead-letter.js';
export { RegistrySerde } from './registry-serde.js';
export { defaultDecodeLimits, guardedDecoder, type DecodeLimits } from './guarded-decode.js';
