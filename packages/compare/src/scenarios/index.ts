/** The built-in scenarios of `rtnlkit compare`, in the order the report shows them. */
import type { CompareScenario } from '../scenario/types';
import { fibSeqAtomic, fibSeqSeqcount } from './fib-seq';
import { slowUnregister } from './slow-unregister';

export const BUILTIN_SCENARIOS: readonly CompareScenario[] = [slowUnregister, fibSeqAtomic, fibSeqSeqcount];

export { fibSeqAtomic, fibSeqSeqcount, slowUnregister };
