export { type FuzzArgs, fuzzMain, parseFuzzArgs } from './cli';
export { INPUT_KINDS, type InputKind } from './inputs';
export { type FuzzOptions, type FuzzResult, type FuzzViolation, formatFuzzResults, runFuzz } from './runner';
