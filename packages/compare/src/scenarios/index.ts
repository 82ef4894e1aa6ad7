/** The built-in scenarios of `rtnlkit compare`, in the order the report shows them. */
import type { CompareScenario } from '../scenario/types';
import { abbaTrap, NAIVE_FIB_MUTEX } from './abba';
import { fibSeqAtomic, fibSeqSeqcount } from './fib-seq';
import { slowUnregister } from './slow-unregister';

export const BUILTIN_SCENARIOS: readonly CompareScenario[] = [slowUnregister, abbaTrap, fibSeqAtomic, fibSeqSeqcount];

export { abbaTrap, fibSeqAtomic, fibSeqSeqcount, NAIVE_FIB_MUTEX, slowUnregister };
