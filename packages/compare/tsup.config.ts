import { packageBuild } from '../../tsup.preset';

// `bin` is the `rtnlkit` executable (package.json "bin"); everything else is the library.
export default packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' });
