export { checkDrift, recordFingerprint, type DriftOptions, type DriftResult } from './check.js';
