/** The built-in scenarios of `rtnlkit compare`, in the order the report shows them. */
import type { CompareScenario } from '../scenario/types';
import { slowUnregister } from './slow-unregister';

export const BUILTIN_SCENARIOS: readonly CompareScenario[] = [slowUnregister];

export { slowUnregister };
