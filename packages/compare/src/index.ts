/**
 * @rtnlkit/compare — rtnlkit strategy comparison: scenarios, workloads, metrics, reports and the rtnlkit CLI.
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export { cli, loadStrategyModule, StrategyModuleError } from './cli';
export { type CompareOptions, runCompare } from './compare';
export {
  type LinkExploreOptions,
  type LinkExploreStats,
  linkExploreWorkload,
  TEST_KIND,
} from './correctness/link-world';
export { renderHtmlReport } from './report/html';
export { parseResultsJson, resultsToJson } from './report/json';
export {
  COMPARE_RESULTS_VERSION,
  type CompareResults,
  type Finding,
  type LatencySummary,
  type LockClassResult,
  type LockInterval,
  type RequestClassResult,
  type RunResult,
  type ScenarioResult,
} from './report/results';
export { formatTables, type TableOptions } from './report/tables';
export { type WrittenReport, writeReport } from './report/write';
export * as requests from './scenario/requests';
export { type RunOptions, runScenario } from './scenario/runner';
export type { Arrival, CompareScenario, RequestClassSpec, RequestContext, ScenarioWorld } from './scenario/types';
export {
  abbaTrap,
  addressChurn,
  BUILTIN_SCENARIOS,
  fibSeqAtomic,
  fibSeqSeqcount,
  kindUnregister,
  NAIVE_FIB_MUTEX,
  routeLoad,
  slowUnregister,
} from './scenarios/index';
export { STRATEGY_VARIANTS, type StrategyVariant } from './strategies';
