/** The entry of `npm run fuzz` (run with tsx). */
import { fuzzMain } from './cli';

process.exitCode = await fuzzMain(process.argv.slice(2));
