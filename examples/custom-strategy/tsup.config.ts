import { packageBuild } from '../../tsup.preset';

// ESM only: the build is what `rtnlkit compare --strategy-module` imports (dist/index.js).
export default packageBuild({ index: 'src/index.ts' }, { format: ['esm'] });
