export { LocalDriver, type LocalDriverOptions } from './driver.js';
export { Supervisor, type SupervisorControl, type SupervisorOptions, type SupervisorState, type OperationOptions } from './supervisor.js';
export { ReverseProxy } from './proxy.js';
export { appSpec, LOCAL_DEFAULTS, type AppSpec, type LocalDriverConfig } from './config.js';
