export { readSchemaShape, type ReadShapeOptions } from './read.js';
export { canonicalJson, fingerprintOf, tableHash, type Fingerprint } from './hash.js';
export { diffShapes, renderDifferences, type SchemaDifference } from './diff.js';
export type { ColumnShape, SchemaShape, TableShape } from './shape.js';
