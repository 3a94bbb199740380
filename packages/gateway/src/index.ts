export { Gateway, type GatewayOptions, type GatewayPorts } from './gateway.js';
export { loadConfigFile, parseConfig, ConfigError, DEFAULTS, formatProblem } from './config/load.js';
export type { ConfigProblem, GatewayConfig, DestinationConfig } from './config/types.js';
export { ListenError } from './listen.js';
export { tokenDigest } from './auth/tokens.js';
export { createExporter, validateExporterConfig, type Exporter, type ExportOutcome, type OutboundBatch } from './exporters/index.js';
export { SqliteQueueStore } from './queue/sqlite.js';
export { DeadLetterFile, DeadLetterFileError, type DeadLetterSelection, type DeadLetterSummary } from './queue/dead-letter-file.js';
export type { DeadLetter, QueueStore, StoredBatch } from './queue/types.js';
