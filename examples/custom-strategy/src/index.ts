/**
 * @rtnlkit-example/custom-strategy: a reader-writer RTNL, and the variants `rtnlkit compare
 * --strategy-module` loads from this module's build (`dist/index.js`).
 */
import { rwRtnlStrategy } from './rw-rtnl';

export { type RwRtnlOptions, type RwRtnlStrategy, readsOnly, rwRtnlStrategy } from './rw-rtnl';

/** What `rtnlkit compare --strategy-module` looks for: `{ name, create }` variants. */
export const strategies = [{ name: 'rw-rtnl', create: () => rwRtnlStrategy() }];
