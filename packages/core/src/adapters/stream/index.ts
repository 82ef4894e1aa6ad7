export { NetlinkStreamClient, type StreamAnswer, type StreamNotification } from './client';
export { NlStreamFramer } from './framer';
export { NLSTREAM, NLSTREAM_MAX_MESSAGE } from './protocol';
export { NetlinkStreamConnection, type StreamServeOptions, serveNetlinkStream } from './server';
