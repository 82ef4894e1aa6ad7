/**
 * @rtnlkit/compare — rtnlkit strategy comparison: scenarios, workloads, metrics, reports and the rtnlkit CLI.
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
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
export { STRATEGY_VARIANTS, type StrategyVariant } from './strategies';
