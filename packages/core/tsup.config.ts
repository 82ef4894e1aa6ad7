import { packageBuild } from '../../tsup.preset';

export default packageBuild({ index: 'src/index.ts', testing: 'src/testing/index.ts' });
