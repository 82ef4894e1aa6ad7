/** The built-in scenarios of `rtnlkit compare`, in the order the report shows them. */
import type { CompareScenario } from '../scenario/types';
import { abbaTrap, NAIVE_FIB_MUTEX } from './abba';
import { addressChurn } from './address-churn';
import { fibSeqAtomic, fibSeqSeqcount } from './fib-seq';
import { kindUnregister } from './kind-unregister';
import { routeLoad } from './route-load';
import { slowUnregister } from './slow-unregister';

export const BUILTIN_SCENARIOS: readonly CompareScenario[] = [
  slowUnregister,
  routeLoad,
  addressChurn,
  abbaTrap,
  fibSeqAtomic,
  fibSeqSeqcount,
  kindUnregister,
];

export {
  abbaTrap,
  addressChurn,
  fibSeqAtomic,
  fibSeqSeqcount,
  kindUnregister,
  NAIVE_FIB_MUTEX,
  routeLoad,
  slowUnregister,
};
