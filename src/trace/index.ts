export { traceCommand, type TraceReport } from './command.js';
export { traceMigrations, type TraceDeps, type TraceResult, type TracedMigration, type TracedStatement } from './trace.js';
export { createScratch, type Scratch } from './scratch.js';
export { buildBaseline, type Baseline } from './baseline.js';
export { compare, type Comparison, type Prediction } from './compare.js';
export { renderTrace, traceToJson, TRACE_JSON_VERSION } from './render.js';
