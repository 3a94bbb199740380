export { LiveChecker, type LiveCheckOptions, type LiveCheckReport, type Sample } from './checker.js';
export { LiveCheckListener, type ListenerOptions, type RequestProblem } from './listener.js';
export { readOtlpFile, readJsonText, splitJsonDocuments, LiveCheckInputError, type OtlpRequest } from './input.js';
export { renderReport, exitCodeOf, allFindings, type ReportFormat, type FailOn } from './report.js';
export { Suggester, normalizeKey, editDistance, type Suggestion } from './suggest.js';
export { HyperLogLog, DistinctCounter } from './hll.js';
export { LEVELS, FINDING_IDS, type FindingLevel, type PolicyFinding } from './findings.js';
