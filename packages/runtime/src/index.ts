export { dlqReasons, GridstreamError, UndecodableError, type DlqReason } from './errors.js';
export { ConfigError, parseConfig } from './config.js';
export { defaultDecodeLimits, guardedDecoder, type DecodeLimits } from './guarded-decode.js';
