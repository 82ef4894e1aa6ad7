export { type AdminPolicy, type RunningServer, ServerError, type ServerOptions, startServer } from './server';
export { STRATEGIES } from './strategies';
